"""The recorder the run loop calls: restore a run's state at its start, record each superstep.

``run_steps`` (runners/loop/steps.py) knows nothing about storage. When the run's context has a
``recorder`` it calls three things:

- :meth:`RunRecorder.restore` once, with the fresh state: the stored steps are folded into it
  (``checkpointers/rebuild.py``) and the run continues from there;
- :meth:`RunRecorder.record` after each superstep's outcomes were applied: one
  :class:`StepRecord` per finished, failed or paused node goes to the workflow's sink;
- :meth:`RunRecorder.finish` with the result (or the exception) at the end.

Nested runs of GraphNodes get their own child recorder (:meth:`RunRecorder.nested`), so the
nodes inside a graph node are not re-run either, and a nested interrupt resumes in place.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hypergraph.checkpointers.base import (
    END_NAME,
    RunUpdate,
    StepRow,
    WriteBatch,
    encode_attempts,
)
from hypergraph.checkpointers.rebuild import rebuild_state
from hypergraph.checkpointers.records import Run, StepRecord, WorkflowStatus
from hypergraph.checkpointers.serializers import Serializer, ValueNotSerializableError
from hypergraph.checkpointers.writer import Sink
from hypergraph.engine.kinds import NodeKind
from hypergraph.engine.plan import EMITTED, ExecutionPlan
from hypergraph.engine.scheduler import Scheduler
from hypergraph.engine.state import RunState
from hypergraph.engine.static import StaticScheduler, scheduler_for
from hypergraph.nodes.gates import END
from hypergraph.runners.failure_notes import describe_failure
from hypergraph.runners.result import RunResult, RunStatus

__all__ = [
    "RunRecorder",
    "UnserializableOutputError",
    "decode_steps",
    "output_message",
    "output_types",
]

_STATUS = {
    RunStatus.COMPLETED: WorkflowStatus.COMPLETED,
    RunStatus.FAILED: WorkflowStatus.FAILED,
    RunStatus.PAUSED: WorkflowStatus.PAUSED,
}


class UnserializableOutputError(TypeError):
    """A node output the checkpointer's serializer cannot store."""


class RunRecorder:
    """Records one run (a workflow, a map item, or a GraphNode's inner run) into a sink.

    Args:
        sink: Where writes go (shared by the whole top-level run or map).
        serializer: The checkpointer's serializer.
        run: The stored run record (already created or queued for creation).
        steps: The run's stored steps, decoded (empty for a new run).
        retention_window: ``None`` for full retention, else ``(window,)`` per prune op.
        overrides: Input names whose values changed against the stored steps (a fork with new
            inputs): their versions are bumped so their consumers run again.
    """

    __slots__ = (
        "sink",
        "serializer",
        "run",
        "steps",
        "prune",
        "overrides",
        "superstep",
        "index",
        "node_count",
        "error_count",
        "restored",
        "unfinished_children",
        "children",
        "started",
        "last",
        "held",
        "maps",
        "owner",
    )

    def __init__(
        self,
        sink: Sink,
        serializer: Serializer,
        run: Run,
        steps: list[StepRecord],
        prune: tuple[str, int | None] | None,
        overrides: frozenset[str] = frozenset(),
    ) -> None:
        self.sink = sink
        self.serializer = serializer
        self.run = run
        self.steps = steps
        self.prune = prune
        self.overrides = overrides
        self.superstep = 0
        self.index = 0
        self.node_count = run.node_count
        self.error_count = run.error_count
        self.restored = 0
        self.unfinished_children: dict[str, str] = {}
        self.children: dict[int, str] = {}  # node index -> child run of this superstep's call
        self.started = self.last = time.perf_counter()
        self.held: tuple[bytes, list[StepRow]] | None = None
        self.maps: dict[int, Any] = {}  # node index -> map run of this superstep's map_over call
        self.owner: Any = None  # the DurableMap this run is an item of, told how it ended

    def hold(self, inputs: bytes) -> RunRecorder:
        """Keep this (new) run's record and steps in memory and write them in one batch when
        it ends. For map items under ``"async"`` durability: the background writer gets one
        batch per item instead of one per superstep; an item cut short by a crash is run again
        on resume, as any step not yet written would be."""
        self.held = (inputs, [])
        return self

    @property
    def run_id(self) -> str:
        """The workflow id (or child run id) being recorded."""
        return self.run.id

    # ------------------------------------------------------------------ start
    def restore(self, plan: ExecutionPlan, state: RunState) -> Scheduler | StaticScheduler:
        """Fold the stored steps into ``state``; return the scheduler to continue with.

        A fresh run of a plain DAG replays the precomputed schedule (keeping the versions the
        steps record); a resumed one continues on the incremental scheduler.
        """
        if not self.steps and not self.overrides:
            return scheduler_for(plan, state, versioned=True)
        info = rebuild_state(plan, state, self.steps)
        self.superstep, self.index = info.next_superstep, info.next_index
        self.node_count, self.error_count = info.node_count, info.error_count
        self.restored = info.restored
        self.unfinished_children.update(info.unfinished_children)
        for name in self.overrides:  # a fork's new input: its readers must run again
            state.versions[name] = state.versions.get(name, 0) + 1
        self.steps = []  # not needed any more
        return Scheduler(plan, state)

    # ------------------------------------------------------------------ supersteps
    def record(
        self,
        plan: ExecutionPlan,
        resolved: list[Any] | None,
        executed: list[Any] | None,
        state: RunState,
    ) -> None:
        """Send the steps of one superstep (after its outcomes were applied) to the sink.

        This runs once per superstep of every durable run, so rows are built as plain tuples
        (``StepRow``) here rather than through :class:`StepRecord`.
        """
        now = time.perf_counter()
        wall = time.time()
        duration = (now - self.last) * 1000.0
        self.last = now
        if resolved is None:
            calls = executed or []
        else:
            calls = [*resolved, *(executed or ())]
            calls.sort(key=_node_index)
        superstep = self.superstep
        self.superstep += 1
        cached = resolved or ()
        rows = [self._row(c, superstep, c in cached, duration, wall, state) for c in calls]
        self.children.clear()
        if self.maps:
            self._end_maps(calls)
        if self.held is not None:
            self.held[1].extend(rows)
            return
        sink = self.sink
        if sink.lost is not None:
            raise sink.lost
        sink.put_steps(rows, self.prune)

    def _row(
        self, call: Any, superstep: int, cached: bool, duration: float, wall: float, state: RunState
    ) -> StepRow:
        p = call.plan
        index = self.index
        self.index = index + 1
        outputs = call.outputs
        decision = error = None
        if outputs is not None:
            self.node_count += 1
            status = "completed"
            consumed = state.consumed[p.index] or ()
            values = {k: v for k, v in outputs.items() if v is not EMITTED} if p.emits else outputs
            versions = state.versions
            names = p.outputs if len(outputs) == len(p.outputs) else tuple(outputs)
            counts = tuple(map(versions.get, names))
            output_versions = _COUNTS.get((names, counts)) or _json_counts(names, counts)
            if call.decision is not None:
                names = sorted(END_NAME if t is END else str(t) for t in call.decision)
                decision = json.dumps(names)
            cached = cached and p.kind is not NodeKind.INTERRUPT
        else:
            consumed = state.snapshot_versions(p.watched)
            values, output_versions, cached = {}, "{}", False
            if call.error is not None:
                self.error_count += 1
                status = "failed"
                error = describe_failure(call.error, p.name)
            else:
                status = "paused"
        try:
            payload = self.serializer.dumps(values)
        except ValueNotSerializableError as exc:
            raise UnserializableOutputError(output_message(p.name, exc, self.serializer)) from exc
        return StepRow(
            self.run.id, superstep, p.name, index, status, _json_counts(p.watched, consumed),
            payload, duration, cached, decision, error, p.kind.value, wall - duration / 1000.0, wall,
            self.children.get(p.index), output_versions, encode_attempts(call.attempts),
        )  # fmt: skip

    # ------------------------------------------------------------------ nested runs
    def nested(self, call: Any, values: dict[str, Any], ctx: Any = None) -> RunRecorder | RunResult:
        """The recorder of GraphNode ``call``'s inner run (resuming a paused or unfinished one),
        or that run's result when it had completed already (reported through the inner run's
        context ``ctx`` when events are on)."""
        from hypergraph.runners.durable.children import open_child

        name = call.plan.name
        child_id = (
            self.unfinished_children.pop(name, None) or f"{self.run.id}/{name}@{self.superstep}"
        )
        self.children[call.plan.index] = child_id
        return open_child(self, child_id, call.node.graph, values, ctx)

    def nested_item(
        self, call: Any, index: int, values: dict[str, Any], ctx: Any = None
    ) -> RunRecorder | RunResult:
        """The recorder of item ``index`` of mapped GraphNode ``call``, or its result when it
        completed before (reported through the item's context ``ctx`` when events are on).

        The call's items are the child runs of one map run, ``"<run>/<node>@<superstep>"``,
        opened by the first item: item ``i`` is ``"<map run>/<i>"``, as in a durable ``map``.
        """
        from hypergraph.runners.durable.children import open_nested_map

        node = call.plan.index
        mapped = self.maps.get(node)
        if mapped is None:
            name = call.plan.name
            map_id = (
                self.unfinished_children.pop(name, None) or f"{self.run.id}/{name}@{self.superstep}"
            )
            self.children[node] = map_id
            mapped = open_nested_map(self, map_id, call.node.graph, call.kwargs)
            self.maps[node] = mapped
        result: RunRecorder | RunResult = mapped.item(index, values, ctx)
        return result

    def _end_maps(self, calls: list[Any]) -> None:
        """Record how the map runs of this superstep's ``map_over`` calls ended."""
        maps, self.maps = self.maps, {}
        updates = []
        for call in calls:
            mapped = maps.get(call.plan.index)
            if mapped is None:
                continue
            if call.outputs is not None:
                done = mapped.failed == 0
                status = WorkflowStatus.COMPLETED if done else WorkflowStatus.PARTIAL
            elif call.error is not None:
                status = WorkflowStatus.FAILED
            else:
                status = WorkflowStatus.PAUSED
            updates.append(mapped.end(status))
        if updates:
            self.sink.put(WriteBatch(updates=updates))

    # ------------------------------------------------------------------ end
    def finish(self, result: RunResult | None, error: BaseException | None = None) -> None:
        """Record how the run ended (``result``, or ``error`` when it raised)."""
        if result is not None:
            status = _STATUS[result.status]
            result.workflow_id = self.run.id
        else:
            status = WorkflowStatus.FAILED
        if self.owner is not None:
            self.owner.item_finished(status, self)
        self.update(status)

    def update(self, status: WorkflowStatus) -> None:
        """Queue the run's new status with its counters."""
        run = self.run
        elapsed = (time.perf_counter() - self.started) * 1000.0
        done = status in (WorkflowStatus.COMPLETED, WorkflowStatus.FAILED)
        completed_at = time.time() if done else None
        if self.held is not None:  # the whole run in one batch, its final status included
            inputs, rows = self.held
            self.held = None
            run.status, run.duration_ms = status, run.duration_ms + elapsed
            run.node_count, run.error_count = self.node_count, self.error_count
            run.completed_at = completed_at
            self.sink.put_run(run, inputs, rows, self.prune)
            return
        update = RunUpdate(
            run.id,
            status.value,
            run.duration_ms + elapsed,
            self.node_count,
            self.error_count,
            completed_at,
        )
        self.sink.put(WriteBatch(updates=[update]))


def _node_index(call: Any) -> int:
    return int(call.plan.index)


_COUNTS: dict[tuple[Any, Any], str] = {}  # (names, counts) -> its JSON text


def _json_counts(names: Any, counts: Any) -> str:
    """``json.dumps(dict(zip(names, counts)))`` for int counts (``None`` counts as 0),
    memoised: most steps of a run (and every item of a map) record the same few version maps."""
    if not names:
        return "{}"
    key = (names if type(names) is tuple else tuple(names), tuple(counts))
    text = _COUNTS.get(key)
    if text is None:
        text = json.dumps({name: count or 0 for name, count in zip(*key)})
        if len(_COUNTS) < 8192:
            _COUNTS[key] = text
    return text


def output_message(node: str, exc: ValueNotSerializableError, serializer: Serializer) -> str:
    """Why node ``node``'s output cannot be stored, and how to fix it."""
    kind = type(exc.value).__name__
    fix = (
        "JsonSerializer(lossy=True) to store str(value), a dataclass or pydantic model for "
        "structured data, or PickleSerializer(allow_pickle=True) if only you can write to the "
        "checkpoint store"
        if serializer.name == "json"
        else "return a picklable value"
    )
    return (
        f"Node '{node}' returned output '{exc.name}' ({kind}), which the checkpointer's "
        f"{type(serializer).__name__} cannot store ({exc.reason}). How to fix: {fix}."
    )


def output_types(plan: ExecutionPlan) -> dict[str, dict[str, Any]]:
    """Node name → output name → annotation, for decoding stored steps."""
    nodes: tuple[Any, ...] = plan.nodes  # NodePlan: slots without annotations
    return {p.name: {name: p.node.get_output_type(name) for name in p.data_outputs} for p in nodes}


def decode_steps(
    checkpointer: Any, run_id: str, plan: ExecutionPlan, up_to: int | None = None
) -> list[StepRecord]:
    """The stored steps of ``run_id``, their values rebuilt with the nodes' annotations."""
    from hypergraph.checkpointers.base import step_record

    types = output_types(plan)
    loads = checkpointer.serializer.loads
    return [
        step_record(row, loads(row.values, types.get(row.node_name)))
        for row in checkpointer._read_steps(run_id, up_to)
    ]
