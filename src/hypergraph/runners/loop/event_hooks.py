"""Emitting execution events from the run loop (docs/guides/events.md).

Every event a runner emits is built here, so the order and span rules live in one place:

- a run (or a whole ``map``) has one span: :class:`RunStartEvent` and :class:`RunEndEvent` share
  its id, and its parent is the span it hangs under (a GraphNode call, a map, or nothing);
- one node execution has one span: start, cache hit, end and error share it, its parent is the
  run span; a gate's :class:`RouteDecisionEvent` gets a span of its own under the run span;
- a paused run emits no end event, and neither does the node that paused it.

Events reach the processors through the run's channel
(:mod:`hypergraph.runners.loop.event_channel`): without processors there is none
(``ctx.dispatcher is None``), and the run loop calls no hook, so no event is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from hypergraph.events.types import (
    CacheHitEvent,
    NodeAttemptEndEvent,
    NodeAttemptStartEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RouteDecisionEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
    new_span_id,
)
from hypergraph.runners.result import new_run_id

__all__ = [
    "emit_run_start",
    "emit_run_end",
    "emit_node_start",
    "start_call",
    "body_starts",
    "emit_node_end",
    "emit_node_error",
    "emit_cache_hit",
    "emit_restored",
    "emit_restored_run",
    "AttemptSpan",
    "emit_attempt_start",
    "emit_attempt_end",
    "error_type_name",
    "run_end_event",
]


def error_type_name(exc: BaseException) -> str:
    """``"builtins.ValueError"``-style name of an exception's type."""
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


# --------------------------------------------------------------------------- runs


def emit_run_start(ctx: Any, graph_name: str | None, workflow_id: str | None = None) -> float:
    """Give the run of ``ctx`` its ids, emit its start event, and return the start time.

    ``workflow_id`` defaults to the durable run's own (its recorder's workflow or child run id).
    """
    if ctx.run_id is None:
        ctx.run_id = new_run_id()
    ctx.span_id = new_span_id()
    if workflow_id is None and ctx.recorder is not None:
        workflow_id = ctx.recorder.run_id
    ctx.dispatcher.emit(
        RunStartEvent(
            ctx.run_id,
            span_id=ctx.span_id,
            parent_span_id=ctx.parent_span_id,
            graph_name=graph_name,
            workflow_id=workflow_id,
        )
    )
    return perf_counter()


def run_end_event(
    run_id: str,
    span_id: str,
    parent_span_id: str | None,
    graph_name: str | None,
    started: float | None,
    error: BaseException | None,
) -> RunEndEvent:
    """The end event of a run or map span: FAILED with ``error``, else COMPLETED."""
    return RunEndEvent(
        run_id,
        span_id=span_id,
        parent_span_id=parent_span_id,
        graph_name=graph_name,
        status=RunStatus.FAILED if error is not None else RunStatus.COMPLETED,
        error=None if error is None else str(error),
        duration_ms=_elapsed_ms(started),
    )


def emit_run_end(
    ctx: Any, graph_name: str | None, started: float, error: BaseException | None = None
) -> None:
    """Emit the end event of the run of ``ctx`` (FAILED when ``error`` is given)."""
    ctx.dispatcher.emit(
        run_end_event(ctx.run_id, ctx.span_id, ctx.parent_span_id, graph_name, started, error)
    )


# --------------------------------------------------------------------------- nodes


def _emit_node_event(
    call: Any, event_type: type[Any], span_id: str, parent_span_id: str | None, *fields: Any
) -> None:
    """Emit an event of ``call``'s node (its run id, node and graph name) in the given span.

    A node execution's events (start, cache hit, end, error) are in the call's span under the
    run's span; an attempt's are in the attempt's span under the call's. ``fields`` are the
    event type's own fields after ``graph_name``, in its order (events/types.py), passed by
    position: keywords would cost a dict per event, and this runs for every node.
    """
    ctx = call.ctx
    ctx.dispatcher.emit(
        # BaseEvent's fields, then the node events' node_name and graph_name.
        event_type(ctx.run_id, span_id, parent_span_id, None, call.plan.name, ctx.graph_name,
                   *fields)
    )  # fmt: skip


def emit_node_start(call: Any) -> None:
    """A node execution begins: give the call its span and emit :class:`NodeStartEvent`."""
    call.span_id = new_span_id()
    ctx = call.ctx
    inputs = dict(call.params) if _traces_io(call) else None
    _emit_node_event(call, NodeStartEvent, call.span_id, ctx.span_id, inputs, ctx.superstep)
    call.started = perf_counter()


def emit_restored(ctx: Any, steps: Any, graph: Any) -> None:
    """A resumed durable run of ``graph`` got these stored steps back instead of running them:
    each completed one is reported as a node execution (start, then an end with
    ``restored=True`` and ``duration_ms=0.0``), so progress bars and other processors count it
    as done. A restored gate also reports its stored decision as a :class:`RouteDecisionEvent`
    (a multi-target route's targets in name order: the store keeps them sorted)."""
    from hypergraph.checkpointers.base import END_NAME
    from hypergraph.nodes.gates import END

    emit = ctx.dispatcher.emit
    run_id, parent, graph_name = ctx.run_id, ctx.span_id, ctx.graph_name
    nodes = graph.nodes
    for step in steps:
        if step.status.value != "completed":
            continue  # a failed or paused step runs again and reports itself then
        span_id = new_span_id()
        name = step.node_name
        emit(
            NodeStartEvent(
                run_id, span_id=span_id, parent_span_id=parent, node_name=name,
                graph_name=graph_name, superstep=step.superstep,
            )
        )  # fmt: skip
        if step.decision is not None and name in nodes:
            routed = tuple(END if target == END_NAME else target for target in step.decision)
            emit(
                RouteDecisionEvent(
                    run_id, parent_span_id=parent, node_name=name, graph_name=graph_name,
                    decision=_decision_value(nodes[name], routed),
                )
            )  # fmt: skip
        emit(
            NodeEndEvent(
                run_id, span_id=span_id, parent_span_id=parent, node_name=name,
                graph_name=graph_name, restored=True,
            )
        )  # fmt: skip


def emit_restored_run(ctx: Any, graph: Any, workflow_id: str, steps: Any) -> None:
    """A whole run of ``graph`` restored from the store (a map item or a GraphNode's inner run
    that had completed): its start event, its steps as :func:`emit_restored` reports them, its
    end."""
    graph_name = getattr(graph, "name", None)
    ctx.graph_name = graph_name
    started = emit_run_start(ctx, graph_name, workflow_id)
    emit_restored(ctx, steps, graph)
    emit_run_end(ctx, graph_name, started)


def start_call(call: Any) -> None:
    """A call starts executing: emit ``NodeStartEvent`` (no-op without processors).

    Drivers call it right before executing each call (after taking any concurrency slot).
    Calling it twice, or not at all, is safe: the end, error and nested-run hooks open the span
    if needed (only the reported duration suffers).
    """
    if call.ctx.dispatcher is not None and call.span_id is None:
        emit_node_start(call)


def body_starts(call: Any) -> None:
    """Restart the clock of a started call right before its body runs.

    AsyncRunner delivers the start event (awaiting the processors) between :func:`start_call`
    and the body; the node's ``duration_ms`` measures the body only, as SyncRunner's does.
    """
    if call.started is not None:
        call.started = perf_counter()


def emit_node_end(call: Any, routed: tuple[Any, ...] | None, *, cached: bool = False) -> None:
    """A node execution succeeded: (gates) :class:`RouteDecisionEvent`, then the end event.

    ``routed`` is a gate's activated targets in decision order (``None`` for other nodes).
    A cached execution reports ``duration_ms=0.0``: the function did not run.
    """
    if routed is not None:
        ctx = call.ctx
        ctx.dispatcher.emit(
            RouteDecisionEvent(
                ctx.run_id,
                parent_span_id=ctx.span_id,
                node_name=call.plan.name,
                graph_name=ctx.graph_name,
                decision=_decision_value(call.plan.node, routed),
            )
        )
    _emit_node_event(
        call,
        NodeEndEvent,
        call.span_id,
        call.ctx.span_id,
        0.0 if cached else _elapsed_ms(call.started),  # duration_ms
        cached,
        _traced_outputs(call) if _traces_io(call) else None,  # outputs
    )


def _traces_io(call: Any) -> bool:
    """Whether ``call``'s events carry its inputs and outputs (node setting, else the run's)."""
    own = call.plan.trace_io
    return bool(call.ctx.trace_io) if own is None else bool(own)


def _traced_outputs(call: Any) -> dict[str, Any]:
    """The call's data outputs (emit signals left out); a gate's decision under ``decision``."""
    outputs = {k: v for k, v in (call.outputs or {}).items() if k not in call.plan.emits}
    if call.decision is not None:
        outputs["decision"] = sorted(str(target) for target in call.decision)
    return outputs


def emit_node_error(call: Any, exc: BaseException) -> None:
    """A node execution failed: :class:`NodeErrorEvent` with the message and type name."""
    if call.span_id is None:  # failed before it started (e.g. an un-copyable default)
        emit_node_start(call)
    _emit_node_event(
        call, NodeErrorEvent, call.span_id, call.ctx.span_id,
        str(exc), error_type_name(exc),  # error, error_type
    )  # fmt: skip


def emit_cache_hit(call: Any, cache_key: str, routed: tuple[Any, ...] | None) -> None:
    """A node served from the cache: start, :class:`CacheHitEvent`, (route decision,) end."""
    emit_node_start(call)
    _emit_node_event(call, CacheHitEvent, call.span_id, call.ctx.span_id, cache_key)
    emit_node_end(call, routed, cached=True)


@dataclass(slots=True, eq=False)
class AttemptSpan:
    """The span of one attempt of a guarded node call (runners/loop/retry.py)."""

    call: Any
    number: int
    span_id: str = field(default_factory=new_span_id, init=False)
    started: float = field(default_factory=perf_counter, init=False)


def emit_attempt_start(call: Any, number: int, delay: float) -> AttemptSpan:
    """Attempt ``number`` of ``call`` starts (after waiting ``delay`` s): its start event."""
    if call.span_id is None:
        emit_node_start(call)
    span = AttemptSpan(call, number)
    _emit_node_event(
        call,
        NodeAttemptStartEvent,
        span.span_id,
        call.span_id,
        number,
        delay,  # attempt, delay
    )
    return span


def emit_attempt_end(
    span: AttemptSpan,
    outcome: str,
    error: BaseException | None = None,
    delay: float | None = None,
) -> None:
    """An attempt ended with ``outcome`` (``"success"``, ``"retry"`` or ``"failure"``)."""
    call = span.call
    _emit_node_event(
        call,
        NodeAttemptEndEvent,
        span.span_id,
        call.span_id,
        span.number,  # attempt
        outcome,
        None if error is None else str(error),  # error
        None if error is None else error_type_name(error),  # error_type
        delay,
        _elapsed_ms(span.started),  # duration_ms
    )


def _decision_value(gate: Any, routed: tuple[Any, ...]) -> Any:
    """What a RouteDecisionEvent reports: a list for multi-target routes, else one target.

    ``None`` means the gate activated nothing (a route returning ``None`` without fallback).
    """
    if getattr(gate, "multi_target", False):
        return list(routed)
    return routed[0] if routed else None


def _elapsed_ms(started: float | None) -> float:
    if started is None:
        return 0.0
    # Never report 0 for real work: a coarse clock must not make a run look instantaneous.
    return max((perf_counter() - started) * 1000.0, 1e-6)
