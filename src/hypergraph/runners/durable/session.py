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
)
from hypergraph.runners.durable.copies import carry_children
from hypergraph.runners.durable.recorder import RunRecorder, decode_steps
from hypergraph.runners.result import RunResult, new_run_id

if TYPE_CHECKING:
    from hypergraph.checkpointers.base import Checkpointer

__all__ = [
    "DurableRun",
    "changed_inputs",
    "check_durable_options",
    "check_graph",
    "lease_and_sink",
    "open_run",
    "stored_inputs",
]


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
                "fix: create the runner with one, e.g. checkpointer=SqliteCheckpointer('runs.db') "
                "(DaskRunner: a store its workers share), or drop the option."
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


def lease_and_sink(cp: Checkpointer, workflow_id: str) -> Sink:
    lease = cp.acquire_lease(workflow_id, new_owner())
    try:
        return open_sink(cp, lease).keep_alive()
    except BaseException:
        cp.release_lease(lease)
        raise


def check_graph(run: Run, graph: Any) -> None:
    stored = str(run.config.get("graph_struct_hash", ""))
    current = graph_struct_hash(graph)
    if stored != current:
        raise GraphChangedError(run.id, stored, current)


def changed_inputs(cp: Checkpointer, stored: dict[str, Any], supplied: dict[str, Any]) -> list[str]:
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
    sink = lease_and_sink(cp, workflow_id)
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
        # Now, not with the run's first write: a nested graph or map about to start reads the
        # store to learn whether it ran before, and must not find the old workflow's runs.
        sink.write_now(WriteBatch(deletes=[workflow_id]))
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


def stored_inputs(cp: Checkpointer, run_id: str, graph: Any | None) -> dict[str, Any]:
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
    check_graph(run, graph)
    changed = changed_inputs(cp, stored_inputs(cp, run.id, None), inputs_given)
    if changed:
        raise InputOverrideRequiresForkError(run.id, changed)
    if run.status is WorkflowStatus.COMPLETED:
        raise WorkflowAlreadyCompletedError(run.id)
    values = {**stored_inputs(cp, run.id, graph), **answers}
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
    check_graph(run, graph)
    steps = decode_steps(cp, source, get_plan(graph))
    values = stored_inputs(cp, source, graph)
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
        check_graph(source, graph)
        base = stored_inputs(cp, source.id, graph)
    else:  # a checkpoint from another store: its values that are graph inputs
        names = set(input_types(graph))
        base = {k: v for k, v in checkpoint.values.items() if k in names}
    overrides = frozenset(changed_inputs(cp, _normalised(cp, base), supplied))
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
    check_graph(source, graph)
    changed = changed_inputs(cp, stored_inputs(cp, source.id, None), inputs_given)
    if changed:
        raise InputOverrideRequiresForkError(source.id, changed)
    if source.status is WorkflowStatus.COMPLETED:
        raise WorkflowAlreadyCompletedError(source.id)
    inputs = {**stored_inputs(cp, source.id, graph), **answers}
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
