"""Runs that live under another one: a GraphNode's inner run and the items of a durable map.

A child run has its own id (``"wf-1/inner@3"`` for a GraphNode, ``"batch-7/0"`` for a map
item), its own steps, and ``parent_run_id`` pointing up. It is written through the parent's
sink, under the parent's lease. A child that completed already is not run again: its result is
rebuilt from its steps (``RunResult.restored``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from hypergraph.checkpointers.base import RunUpdate, WriteBatch
from hypergraph.checkpointers.graph_hash import graph_struct_hash
from hypergraph.checkpointers.rebuild import rebuild_state
from hypergraph.checkpointers.records import Run, StepRecord, WorkflowStatus
from hypergraph.checkpointers.serializers import Serializer, ValueNotSerializableError
from hypergraph.engine.plan import get_plan
from hypergraph.engine.state import RunState
from hypergraph.runners.durable.recorder import RunRecorder, decode_steps
from hypergraph.runners.result import RunResult, RunStatus

if TYPE_CHECKING:
    from hypergraph.checkpointers.base import Checkpointer
    from hypergraph.checkpointers.writer import Sink
    from hypergraph.runners.durable.maps import DurableMap

__all__ = [
    "encode_inputs",
    "input_types",
    "new_run",
    "open_child",
    "open_nested_map",
    "prune_op",
    "restored_result",
    "resume_child",
]


def input_types(graph: Any) -> dict[str, Any]:
    """Input name → the annotation of the first parameter that reads it, for decoding."""
    types: dict[str, Any] = {}
    for node in graph.nodes.values():
        for name in node.inputs:
            if types.get(name) is None:
                types[name] = node.get_input_type(name)
    return types


def encode_inputs(serializer: Serializer, values: dict[str, Any], workflow_id: str) -> bytes:
    """The serialized inputs of a new run; a value that cannot be stored is refused by name."""
    try:
        return serializer.dumps(values)
    except ValueNotSerializableError as exc:
        fix = (
            "pass a JSON value (or a dataclass / pydantic model), use "
            "JsonSerializer(lossy=True) to store str(value), or PickleSerializer("
            "allow_pickle=True) if only you can write to the checkpoint store"
            if serializer.name == "json"
            else "pass a picklable value"
        )
        raise TypeError(
            f"Input '{exc.name}' ({type(exc.value).__name__}) of workflow {workflow_id!r} "
            f"cannot be stored by the checkpointer's {type(serializer).__name__} "
            f"({exc.reason}), so the run cannot be resumed later; nothing ran. How to fix: "
            f"{fix}."
        ) from exc


def graph_config(graph: Any, serializer: Serializer) -> dict[str, Any]:
    """The ``Run.config`` of a run of ``graph``."""
    return {
        "graph_struct_hash": graph_struct_hash(graph),
        "graph_code_hash": graph.definition_hash,
        "serializer": serializer.name,
    }


def new_run(run_id: str, graph: Any, config: dict[str, Any], **fields: Any) -> Run:
    """A fresh active :class:`Run` record."""
    return Run(
        id=run_id,
        status=WorkflowStatus.ACTIVE,
        graph_name=getattr(graph, "name", None),
        config=config,
        created_at=time.time(),
        **fields,
    )


def prune_op(checkpointer: Checkpointer, run_id: str) -> tuple[str, int | None] | None:
    """The per-superstep prune of ``run_id`` its retention asks for (``None``: keep all)."""
    policy = checkpointer.policy
    if policy.retention == "full":
        return None
    return (run_id, policy.window if policy.retention == "windowed" else None)


def restored_result(
    graph: Any,
    steps: list[StepRecord],
    inputs: dict[str, Any],
    selected: tuple[str, ...] | None,
    run_id: str,
) -> RunResult:
    """The result of a completed child run, rebuilt from its steps instead of running it."""
    from hypergraph.runners.loop.steps import select_outputs

    plan = get_plan(graph)
    state = RunState(len(plan.nodes), inputs)
    rebuild_state(plan, state, steps)
    values = select_outputs(plan, state.values, selected, "ignore")
    result = RunResult(values, RunStatus.COMPLETED, workflow_id=run_id)
    result.restored = True
    return result


def resume_child(
    sink: Sink, run: Run, graph: Any, selected: tuple[str, ...] | None, ctx: Any = None
) -> RunRecorder | RunResult:
    """A stored child run: its restored result when completed, else a recorder resuming it.

    ``ctx`` is the run context the child would run in; with event processors a restored
    child reports itself through it (runners/loop/event_hooks.py, ``emit_restored_run``).
    """
    cp = sink.checkpointer
    plan = get_plan(graph)
    steps = decode_steps(cp, run.id, plan)
    if run.status is WorkflowStatus.COMPLETED:
        stored = cp._read_inputs(run.id)
        inputs = cp.serializer.loads(stored, input_types(graph)) if stored else {}
        result = restored_result(graph, steps, inputs, selected, run.id)
        if ctx is not None and ctx.dispatcher is not None:
            from hypergraph.runners.loop.event_hooks import emit_restored_run

            emit_restored_run(ctx, graph, run.id, steps)
            result.run_id = ctx.run_id
        return result
    sink.put(
        WriteBatch(
            updates=[
                RunUpdate(run.id, "active", run.duration_ms, run.node_count, run.error_count, None)
            ]
        )
    )
    return RunRecorder(sink, cp.serializer, run, steps, prune_op(cp, run.id))


def open_child(
    parent: RunRecorder, child_id: str, graph: Any, values: dict[str, Any], ctx: Any = None
) -> RunRecorder | RunResult:
    """The recorder (or restored result) of GraphNode inner run ``child_id`` of ``parent``
    (``ctx``: the inner run's context, see :func:`resume_child`)."""
    sink = parent.sink
    cp = sink.checkpointer
    existing = cp.get_run(child_id)
    if existing is not None:
        selected = graph.selected
        return resume_child(sink, existing, graph, tuple(selected) if selected else None, ctx)
    payload = encode_inputs(cp.serializer, values, child_id)
    run = new_run(child_id, graph, graph_config(graph, cp.serializer), parent_run_id=parent.run_id)
    sink.put(WriteBatch(new_runs=[(run, payload)]))
    return RunRecorder(sink, cp.serializer, run, [], prune_op(cp, child_id))


def open_nested_map(
    parent: RunRecorder, map_id: str, graph: Any, values: dict[str, Any]
) -> DurableMap:
    """The map run ``map_id`` of a ``map_over`` GraphNode call of ``parent`` (``values``: the
    call's inputs): created, or reopened with its items when a run before stopped in it."""
    from hypergraph.runners.durable.maps import DurableMap, reopened_items

    sink = parent.sink
    cp = sink.checkpointer
    selected = tuple(graph.selected) if graph.selected else None
    existing = cp.get_run(map_id)
    if existing is not None:
        children = reopened_items(cp, sink, map_id)
        update = RunUpdate(
            map_id, "active", existing.duration_ms, existing.node_count, existing.error_count, None
        )
        sink.put(WriteBatch(updates=[update]))
        return DurableMap(cp, graph, existing, children, sink, selected)
    payload = encode_inputs(cp.serializer, values, map_id)
    run = new_run(map_id, graph, graph_config(graph, cp.serializer), parent_run_id=parent.run_id)
    sink.put(WriteBatch(new_runs=[(run, payload)]))
    return DurableMap(cp, graph, run, {}, sink, selected)
