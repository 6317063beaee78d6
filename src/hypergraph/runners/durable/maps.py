"""A durable ``map``: the map's workflow and one child run per item (``"<id>/<i>"``).

:func:`open_map` takes the map workflow's lease and runs the same start checks as a durable
``run`` (runners/durable/session.py); :class:`DurableMap` then hands each item its recorder, or
its restored result when the item completed before, and records how the map ended. A
``map_over`` GraphNode's items use the same class (runners/durable/children.py).
"""

from __future__ import annotations

import time
from collections import Counter
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from hypergraph.checkpointers.base import RunUpdate, WriteBatch
from hypergraph.checkpointers.records import Run, WorkflowStatus
from hypergraph.checkpointers.writer import Sink
from hypergraph.exceptions import InputOverrideRequiresForkError, WorkflowAlreadyCompletedError
from hypergraph.runners.durable.children import (
    encode_inputs,
    graph_config,
    new_run,
    prune_op,
    resume_child,
)
from hypergraph.runners.durable.recorder import RunRecorder
from hypergraph.runners.durable.session import (
    changed_inputs,
    check_graph,
    lease_and_sink,
    stored_inputs,
)
from hypergraph.runners.result import RunResult, RunStatus, new_run_id

if TYPE_CHECKING:
    from hypergraph.checkpointers.base import Checkpointer
    from hypergraph.checkpointers.packs import ItemMapping
    from hypergraph.engine.compiled import CompiledRun
    from hypergraph.runners.durable.compiled_items import CompiledItems

__all__ = ["DurableMap", "open_map", "reopened_items"]

_new_object = object.__new__
_status = attrgetter("status")


class DurableMap:
    """A durable ``map``: the parent workflow and one child run per item (``"<id>/<i>"``).

    ``inputs`` and ``mapping`` (a top-level ``map``'s values and how its items take them) let
    its compiled items be packed (checkpointers/packs.py).
    """

    def __init__(
        self,
        cp: Checkpointer,
        graph: Any,
        run: Run,
        children: dict[str, Run],
        sink: Sink,
        selected: tuple[str, ...] | None,
        inputs: dict[str, Any] | None = None,
        mapping: ItemMapping | None = None,
    ) -> None:
        self.cp = cp
        self.graph = graph
        self.run = run
        self.children = children
        self.sink = sink
        self.selected = selected
        self.inputs = inputs  # the map's inputs and how its items take them (None: not told)
        self.mapping = mapping
        self.config = graph_config(graph, cp.serializer)
        self.hold_items = cp.policy.durability == "async"  # one write per item (see hold)
        self.prune = cp.policy.retention != "full"  # items prune their steps as they go
        self.compiled: CompiledItems | None = None  # items run compiled (see there)
        self._item_run: Run | None = None  # what every item's run record starts as
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
        run = self.item_run(child_id)
        recorder = RunRecorder(self.sink, cp.serializer, run, [], prune_op(cp, child_id))
        recorder.owner = self
        if self.hold_items:
            return recorder.hold(payload)
        self.sink.put(WriteBatch(new_runs=[(run, payload)]))
        return recorder

    def item_run(self, child_id: str) -> Run:
        """A fresh active run record for item ``child_id`` (a copy of one template: a map
        makes one per item)."""
        template = self._item_run
        if template is None:
            template = self._item_run = new_run(
                "", self.graph, self.config, parent_run_id=self.run.id
            )
        run: Run = _new_object(Run)
        run.__dict__ = {**template.__dict__, "id": child_id, "created_at": time.time()}
        return run

    def compiled_items(
        self, compiled: CompiledRun | None, graph: Any, prepared: Any, ctx: Any
    ) -> CompiledItems | None:
        """Let the items run as ``compiled`` (an unobserved local map) once the first
        completed one taught how they are recorded (runners/durable/compiled_items.py);
        ``None`` when they cannot."""
        from hypergraph.runners.durable.compiled_items import compiled_items

        self.compiled = compiled_items(self, compiled, graph, prepared, ctx)
        return self.compiled

    def item_finished(self, status: WorkflowStatus, recorder: RunRecorder | None = None) -> None:
        """An item's run ended with ``status`` (its ``recorder`` tells, before it writes)."""
        if status is WorkflowStatus.COMPLETED:
            self.done += 1
            fast = self.compiled
            if fast is not None and not fast.ready and recorder is not None and recorder.held:
                fast.learn(recorder.held[1])
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
        status = WorkflowStatus.FAILED
        if results is None:  # the map raised: what its items reported (packed ones counted)
            packer = self.compiled.packer if self.compiled is not None else None
            done = self.done + (packer.queued if packer is not None else 0)
            failed = self.failed
        else:
            counts = Counter(map(_status, results))  # one pass, in C: maps can be large
            done, failed = counts[RunStatus.COMPLETED], counts[RunStatus.FAILED]
            if error is None:
                complete = done == len(results)
                status = WorkflowStatus.COMPLETED if complete else WorkflowStatus.PARTIAL
        if status is WorkflowStatus.COMPLETED:
            self.sink.flush()  # the items' records first: a map that lost one is not complete
            if self.sink.errors:
                status = WorkflowStatus.PARTIAL  # running it again runs what was not stored
        finished = status is not WorkflowStatus.PARTIAL
        elapsed = (time.perf_counter() - self.started) * 1000.0
        update = RunUpdate(
            self.run.id, status.value, self.run.duration_ms + elapsed, done, failed,
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


def reopened_items(cp: Checkpointer, sink: Sink, map_id: str) -> dict[str, Run]:
    """The stored item runs of map ``map_id``, reopened to resume, by id.

    Packed items (checkpointers/packs.py) are first turned into ordinary rows, in one write
    made now: resuming reads each item on its own and may update it.
    """
    unpacked = cp.unpacked_items(map_id)
    if unpacked:
        sink.write_now(unpacked)
    return {child.id: child for child in cp._read_children(map_id)}


def open_map(
    cp: Checkpointer,
    graph: Any,
    values: dict[str, Any],
    *,
    workflow_id: str | None,
    selected: tuple[str, ...] | None,
    mapping: ItemMapping | None = None,
) -> DurableMap:
    """Take the map workflow's lease and check it (as :func:`open_run` does for a run).

    ``mapping`` tells how the items take ``values`` (their inputs are then not stored again
    when they are packed).
    """
    workflow_id = workflow_id or new_run_id()
    sink = lease_and_sink(cp, workflow_id)
    try:
        existing = cp.get_run(workflow_id)
        if existing is None:
            payload = encode_inputs(cp.serializer, values, workflow_id)
            run = new_run(workflow_id, graph, graph_config(graph, cp.serializer))
            sink.put(WriteBatch(new_runs=[(run, payload)]))
            return DurableMap(cp, graph, run, {}, sink, selected, values, mapping)
        check_graph(existing, graph)
        changed = changed_inputs(cp, stored_inputs(cp, workflow_id, None), values)
        if changed:
            raise InputOverrideRequiresForkError(workflow_id, changed)
        if existing.status is WorkflowStatus.COMPLETED:
            raise WorkflowAlreadyCompletedError(workflow_id, items=existing.node_count)
        children = reopened_items(cp, sink, workflow_id)
        sink.put(
            WriteBatch(updates=[RunUpdate(workflow_id, "active", existing.duration_ms, 0, 0, None)])
        )
        return DurableMap(cp, graph, existing, children, sink, selected, values, mapping)
    except BaseException:
        sink.close()
        raise
