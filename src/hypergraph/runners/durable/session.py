"""Starting and ending a durable ``run`` or ``map``: the workflow's lease, the checks that come
before any node runs, the run record, forks and retries.

Order of the checks when a workflow id already exists (each raised before any node runs):

1. someone else runs it right now → ``WorkflowBusyError`` (the lease);
2. its graph structure changed → ``GraphChangedError``;
3. supplied inputs differ from the stored ones → ``InputOverrideRequiresForkError`` (an
   interrupt's answer is not an input; passing the same inputs again is a plain resume);
4. it completed → ``WorkflowAlreadyCompletedError``.

``override_workflow=True`` skips them all: the stored workflow is deleted and starts over.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hypergraph.checkpointers.base import RunUpdate, WriteBatch, new_owner, step_row
from hypergraph.checkpointers.graph_hash import graph_struct_hash
from hypergraph.checkpointers.records import Checkpoint, Run, StepStatus, WorkflowStatus
from hypergraph.checkpointers.serializers import ValueNotSerializableError
from hypergraph.checkpointers.writer import Sink, open_sink
from hypergraph.engine.kinds import NodeKind
from hypergraph.engine.plan import get_plan
from hypergraph.engine.state import values_differ
from hypergraph.exceptions import (
    GraphChangedError,
    InputOverrideRequiresForkError,
    WorkflowAlreadyCompletedError,
)
from hypergraph.runners.durable.children import (
    encode_inputs,
    graph_config,
    input_types,
    new_run,
    prune_op,
    resume_child,
)
from hypergraph.runners.durable.copies import carry_children
from hypergraph.runners.durable.recorder import RunRecorder, decode_steps
from hypergraph.runners.result import RunResult, RunStatus, new_run_id

if TYPE_CHECKING:
    from hypergraph.checkpointers.base import Checkpointer

__all__ = ["DurableMap", "DurableRun", "check_durable_options", "open_map", "open_run"]


def check_durable_options(
    checkpointer: Any,
    workflow_id: Any = None,
    checkpoint: Any = None,
    fork_from: Any = None,
    retry_from: Any = None,
    override_workflow: bool = False,
) -> None:
    """``ValueError`` / ``TypeError`` for durable options that cannot apply."""
    given = [
        name
        for name, value in (
            ("workflow_id", workflow_id),
            ("checkpoint", checkpoint),
            ("fork_from", fork_from),
            ("retry_from", retry_from),
        )
        if value is not None
    ] + (["override_workflow"] if override_workflow else [])
    if checkpointer is None:
        if given:
            raise ValueError(
                f"{', '.join(given)} need(s) a checkpointer to store the workflow in. How to "
                "fix: create the runner with one, e.g. SyncRunner(checkpointer="
                "SqliteCheckpointer('runs.db')), or drop the option."
            )
        return
    sources = [n for n in ("checkpoint", "fork_from", "retry_from") if n in given]
    if len(sources) > 1:
        raise ValueError(
            f"Pass only one of checkpoint, fork_from and retry_from (got {', '.join(sources)}): "
            "each names where the new workflow starts from."
        )
    if checkpoint is not None and not isinstance(checkpoint, Checkpoint):
        raise TypeError(
            f"checkpoint must be a Checkpoint (from checkpointer.checkpoint(workflow_id)), got "
            f"{type(checkpoint).__name__}."
        )
    for name, value in (("workflow_id", workflow_id), ("fork_from", fork_from),
                        ("retry_from", retry_from)):  # fmt: skip
        if value is not None and (not isinstance(value, str) or not value):
            raise TypeError(f"{name} must be a non-empty string, got {value!r}.")


class DurableRun:
    """A top-level durable run: the values it starts from, its recorder and its sink.

    Nothing is written until :meth:`begin` (after the run's own input checks passed), so a run
    refused at start leaves no record behind.
    """

    def __init__(
        self, values: dict[str, Any], recorder: RunRecorder, sink: Sink, batch: WriteBatch
    ) -> None:
        self.values = values
        self.recorder = recorder
        self.sink = sink
        self._batch = batch

    def begin(self) -> None:
        """Write the run record (new run, fork, retry) or its status (resume)."""
        batch = self._batch
        self.sink.put(batch)
        if len(batch.new_runs) > 1:  # child runs copied for a fork or retry: read back soon
            self.sink.flush()

    @property
    def workflow_id(self) -> str:
        return self.recorder.run_id

    def close(self, result: RunResult | None) -> None:
        """Flush and release the lease; put failed writes on ``result``."""
        self.sink.close()
        if result is not None:
            result.workflow_id = self.recorder.run_id
            if self.sink.errors:
                result.checkpoint_errors = tuple(self.sink.errors)


def _lease_and_sink(cp: Checkpointer, workflow_id: str) -> Sink:
    lease = cp.acquire_lease(workflow_id, new_owner())
    try:
        return open_sink(cp, lease).keep_alive()
    except BaseException:
        cp.release_lease(lease)
        raise


def _check_graph(run: Run, graph: Any) -> None:
    stored = str(run.config.get("graph_struct_hash", ""))
    current = graph_struct_hash(graph)
    if stored != current:
        raise GraphChangedError(run.id, stored, current)


def _changed_inputs(
    cp: Checkpointer, stored: dict[str, Any], supplied: dict[str, Any]
) -> list[str]:
    """Names in ``supplied`` whose value is not the stored one (compared as stored)."""
    if not supplied:
        return []
    serializer = cp.serializer
    try:
        normal = serializer.loads(serializer.dumps(supplied))
    except ValueNotSerializableError as exc:
        return [exc.name]
    return [n for n, v in normal.items() if n not in stored or values_differ(stored[n], v)]


def _answer_names(graph: Any) -> frozenset[str]:
    nodes: tuple[Any, ...] = get_plan(graph).nodes  # NodePlan: slots without annotations
    return frozenset(name for p in nodes if p.kind is NodeKind.INTERRUPT for name in p.data_outputs)


def open_run(
    cp: Checkpointer,
    graph: Any,
    supplied: dict[str, Any],
    *,
    workflow_id: str | None,
    checkpoint: Checkpoint | None = None,
    fork_from: str | None = None,
    retry_from: str | None = None,
    override_workflow: bool = False,
) -> DurableRun:
    """Take the workflow's lease, check it, and return where the run starts from.

    ``supplied`` are the caller's values (interrupt answers included, dotted resume keys
    already taken out). Raises the errors listed in the module docs; nothing has run yet.
    """
    workflow_id = workflow_id or new_run_id()
    sink = _lease_and_sink(cp, workflow_id)
    try:
        return _open(cp, graph, supplied, workflow_id, sink, checkpoint, fork_from, retry_from,
                     override_workflow)  # fmt: skip
    except BaseException:
        sink.close()
        raise


def _open(
    cp: Checkpointer,
    graph: Any,
    supplied: dict[str, Any],
    workflow_id: str,
    sink: Sink,
    checkpoint: Checkpoint | None,
    fork_from: str | None,
    retry_from: str | None,
    override_workflow: bool,
) -> DurableRun:
    answers_names = _answer_names(graph)
    inputs_given = {k: v for k, v in supplied.items() if k not in answers_names}
    answers = {k: v for k, v in supplied.items() if k in answers_names}
    existing = cp.get_run(workflow_id)
    batch = WriteBatch()
    if existing is not None and override_workflow:
        batch.deletes.append(workflow_id)
        existing = None
    if existing is not None and (checkpoint or fork_from or retry_from):
        source = fork_from or retry_from or (checkpoint.source_run_id if checkpoint else None)
        if source not in (existing.forked_from, existing.retry_of, existing.id):
            raise ValueError(
                f"Workflow {workflow_id!r} already exists, so it cannot start as a fork or "
                f"retry of {source!r}. How to fix: pass a new workflow_id (or none to get one)."
            )
    if existing is not None:
        return _resume(cp, graph, existing, inputs_given, answers, sink, batch)
    if checkpoint is not None or fork_from is not None:
        if checkpoint is None:
            checkpoint = _checkpoint_of(cp, graph, str(fork_from))
        return _fork(cp, graph, workflow_id, checkpoint, supplied, sink, batch)
    if retry_from is not None:
        return _retry(cp, graph, workflow_id, retry_from, inputs_given, answers, sink, batch)
    payload = encode_inputs(cp.serializer, supplied, workflow_id)
    run = new_run(workflow_id, graph, graph_config(graph, cp.serializer))
    batch.new_runs.append((run, payload))
    recorder = RunRecorder(sink, cp.serializer, run, [], prune_op(cp, run.id))
    return DurableRun(dict(supplied), recorder, sink, batch)


def _stored_inputs(cp: Checkpointer, run_id: str, graph: Any | None) -> dict[str, Any]:
    data = cp._read_inputs(run_id)
    if data is None:
        return {}
    return cp.serializer.loads(data, input_types(graph) if graph is not None else None)


def _resume(
    cp: Checkpointer,
    graph: Any,
    run: Run,
    inputs_given: dict[str, Any],
    answers: dict[str, Any],
    sink: Sink,
    batch: WriteBatch,
) -> DurableRun:
    _check_graph(run, graph)
    changed = _changed_inputs(cp, _stored_inputs(cp, run.id, None), inputs_given)
    if changed:
        raise InputOverrideRequiresForkError(run.id, changed)
    if run.status is WorkflowStatus.COMPLETED:
        raise WorkflowAlreadyCompletedError(run.id)
    values = {**_stored_inputs(cp, run.id, graph), **answers}
    steps = decode_steps(cp, run.id, get_plan(graph))
    batch.updates.append(
        RunUpdate(run.id, "active", run.duration_ms, run.node_count, run.error_count, None)
    )
    recorder = RunRecorder(sink, cp.serializer, run, steps, prune_op(cp, run.id))
    return DurableRun(values, recorder, sink, batch)


def _checkpoint_of(cp: Checkpointer, graph: Any, source: str) -> Checkpoint:
    run = cp.get_run(source)
    if run is None:
        raise KeyError(
            f"fork_from={source!r}: no such workflow in this checkpointer. List stored ones "
            "with checkpointer.runs()."
        )
    _check_graph(run, graph)
    steps = decode_steps(cp, source, get_plan(graph))
    values = _stored_inputs(cp, source, graph)
    for step in steps:
        if step.status is StepStatus.COMPLETED:
            values.update(step.values)
    last = steps[-1].superstep if steps else None
    return Checkpoint(values, steps, source, last)


def _fork(
    cp: Checkpointer,
    graph: Any,
    workflow_id: str,
    checkpoint: Checkpoint,
    supplied: dict[str, Any],
    sink: Sink,
    batch: WriteBatch,
) -> DurableRun:
    source = cp.get_run(checkpoint.source_run_id)
    if source is not None:
        _check_graph(source, graph)
        base = _stored_inputs(cp, source.id, graph)
    else:  # a checkpoint from another store: its values that are graph inputs
        names = set(input_types(graph))
        base = {k: v for k, v in checkpoint.values.items() if k in names}
    overrides = frozenset(_changed_inputs(cp, _normalised(cp, base), supplied))
    inputs = {**base, **supplied}
    up_to = checkpoint.source_superstep
    before = [s for s in checkpoint.steps if up_to is None or s.superstep <= up_to]
    steps = [
        replace(step, run_id=workflow_id) for step in before if step.status is not StepStatus.FAILED
    ]
    carried: dict[str, str] = {}
    if source is not None and not overrides:  # new inputs may reach nested graphs: rerun them
        steps, carried = carry_children(cp, source.id, workflow_id, before, steps, batch)
    run = new_run(
        workflow_id,
        graph,
        graph_config(graph, cp.serializer),
        forked_from=checkpoint.source_run_id,
        fork_superstep=up_to,
    )
    return _start_copy(cp, run, inputs, steps, overrides, sink, batch, carried)


def _retry(
    cp: Checkpointer,
    graph: Any,
    workflow_id: str,
    retry_from: str,
    inputs_given: dict[str, Any],
    answers: dict[str, Any],
    sink: Sink,
    batch: WriteBatch,
) -> DurableRun:
    source = cp.get_run(retry_from)
    if source is None:
        raise KeyError(
            f"retry_from={retry_from!r}: no such workflow in this checkpointer. List stored "
            "ones with checkpointer.runs(status='failed')."
        )
    _check_graph(source, graph)
    changed = _changed_inputs(cp, _stored_inputs(cp, source.id, None), inputs_given)
    if changed:
        raise InputOverrideRequiresForkError(source.id, changed)
    if source.status is WorkflowStatus.COMPLETED:
        raise WorkflowAlreadyCompletedError(source.id)
    inputs = {**_stored_inputs(cp, source.id, graph), **answers}
    stored = decode_steps(cp, source.id, get_plan(graph))
    steps = [
        replace(step, run_id=workflow_id) for step in stored if step.status is StepStatus.COMPLETED
    ]
    steps, carried = carry_children(cp, source.id, workflow_id, stored, steps, batch)
    run = new_run(
        workflow_id,
        graph,
        graph_config(graph, cp.serializer),
        retry_of=source.retry_of or source.id,
        retry_index=(source.retry_index or 0) + 1,
    )
    return _start_copy(cp, run, inputs, steps, frozenset(), sink, batch, carried)


def _normalised(cp: Checkpointer, values: dict[str, Any]) -> dict[str, Any]:
    serializer = cp.serializer
    return serializer.loads(serializer.dumps(values)) if values else {}


def _start_copy(
    cp: Checkpointer,
    run: Run,
    inputs: dict[str, Any],
    steps: list[Any],
    overrides: frozenset[str],
    sink: Sink,
    batch: WriteBatch,
    carried: dict[str, str],
) -> DurableRun:
    """A new workflow that starts with ``steps`` copied from another one, continuing the
    ``carried`` child runs (GraphNode name → copied child run, see :mod:`.copies`)."""
    dumps = cp.serializer.dumps
    # The run record goes before the copied child runs that point at it.
    batch.new_runs.insert(0, (run, encode_inputs(cp.serializer, inputs, run.id)))
    batch.steps.extend(step_row(step, dumps(step.values)) for step in steps)
    recorder = RunRecorder(sink, cp.serializer, run, steps, prune_op(cp, run.id), overrides)
    recorder.unfinished_children.update(carried)
    return DurableRun(inputs, recorder, sink, batch)


# ----------------------------------------------------------------------------------- map
class DurableMap:
    """A durable ``map``: the parent workflow and one child run per item (``"<id>/<i>"``)."""

    def __init__(
        self,
        cp: Checkpointer,
        graph: Any,
        run: Run,
        children: dict[str, Run],
        sink: Sink,
        selected: tuple[str, ...] | None,
    ) -> None:
        self.cp = cp
        self.graph = graph
        self.run = run
        self.children = children
        self.sink = sink
        self.selected = selected
        self.config = graph_config(graph, cp.serializer)
        self.hold_items = cp.policy.durability == "async"  # one write per item (see hold)
        self.done = self.failed = 0  # items that completed (restored too) or failed so far
        self.started = time.perf_counter()

    @property
    def workflow_id(self) -> str:
        return self.run.id

    def item(self, index: int, values: dict[str, Any], ctx: Any = None) -> RunRecorder | RunResult:
        """Item ``index``: its restored result when it completed before, else its recorder.

        ``ctx`` is the item run's context: with event processors, a restored item reports
        itself through it, so progress counts it as done.
        """
        child_id = f"{self.run.id}/{index}"
        stored = self.children.get(child_id)
        if stored is not None:
            resumed = resume_child(self.sink, stored, self.graph, self.selected, ctx)
            if isinstance(resumed, RunResult):
                self.done += 1
            else:
                resumed.owner = self
            return resumed
        cp = self.cp
        payload = encode_inputs(cp.serializer, values, child_id)
        run = new_run(child_id, self.graph, self.config, parent_run_id=self.run.id)
        recorder = RunRecorder(self.sink, cp.serializer, run, [], prune_op(cp, child_id))
        recorder.owner = self
        if self.hold_items:
            return recorder.hold(payload)
        self.sink.put(WriteBatch(new_runs=[(run, payload)]))
        return recorder

    def item_finished(self, status: WorkflowStatus) -> None:
        """An item's run ended with ``status`` (its recorder tells)."""
        if status is WorkflowStatus.COMPLETED:
            self.done += 1
        elif status is WorkflowStatus.FAILED:
            self.failed += 1

    def end(self, status: WorkflowStatus) -> RunUpdate:
        """The update that records how a ``map_over`` call's map run ended (its items are
        written through the outer run's sink, which stays open)."""
        elapsed = (time.perf_counter() - self.started) * 1000.0
        finished = status in (WorkflowStatus.COMPLETED, WorkflowStatus.FAILED)
        return RunUpdate(
            self.run.id, status.value, self.run.duration_ms + elapsed, self.done, self.failed,
            time.time() if finished else None,
        )  # fmt: skip

    def close(self, results: list[RunResult] | None, error: BaseException | None = None) -> None:
        """Record the map's status, flush, release the lease; failed writes go on results."""
        if results is None or error is not None:
            status = WorkflowStatus.FAILED
        elif all(r.status is RunStatus.COMPLETED for r in results):
            status = WorkflowStatus.COMPLETED
        else:
            status = WorkflowStatus.PARTIAL
        if results is not None:
            done = sum(1 for r in results if r.status is RunStatus.COMPLETED)
            failed = sum(1 for r in results if r.status is RunStatus.FAILED)
        else:  # the map raised: what its item recorders reported
            done, failed = self.done, self.failed
        finished = status is not WorkflowStatus.PARTIAL
        update = RunUpdate(
            self.run.id, status.value, self.run.duration_ms, done, failed,
            time.time() if finished else None,
        )  # fmt: skip
        try:
            self.sink.put(WriteBatch(updates=[update]))
        finally:
            self.sink.close()
        if results is not None and self.sink.errors:
            errors = tuple(self.sink.errors)
            for result in results:
                result.checkpoint_errors = errors


def open_map(
    cp: Checkpointer,
    graph: Any,
    values: dict[str, Any],
    *,
    workflow_id: str | None,
    selected: tuple[str, ...] | None,
) -> DurableMap:
    """Take the map workflow's lease and check it (as :func:`open_run` does for a run)."""
    workflow_id = workflow_id or new_run_id()
    sink = _lease_and_sink(cp, workflow_id)
    try:
        existing = cp.get_run(workflow_id)
        if existing is None:
            payload = encode_inputs(cp.serializer, values, workflow_id)
            run = new_run(workflow_id, graph, graph_config(graph, cp.serializer))
            sink.put(WriteBatch(new_runs=[(run, payload)]))
            return DurableMap(cp, graph, run, {}, sink, selected)
        _check_graph(existing, graph)
        changed = _changed_inputs(cp, _stored_inputs(cp, workflow_id, None), values)
        if changed:
            raise InputOverrideRequiresForkError(workflow_id, changed)
        if existing.status is WorkflowStatus.COMPLETED:
            raise WorkflowAlreadyCompletedError(workflow_id, items=existing.node_count)
        children = {child.id: child for child in cp._read_children(workflow_id)}
        sink.put(
            WriteBatch(updates=[RunUpdate(workflow_id, "active", existing.duration_ms, 0, 0, None)])
        )
        return DurableMap(cp, graph, existing, children, sink, selected)
    except BaseException:
        sink.close()
        raise
