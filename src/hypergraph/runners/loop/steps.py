"""A whole run as a sans-IO generator, shared by every runner (docs/guides/running.md).

:func:`run_steps` owns everything about a run except *calling* nodes: the state, the scheduler,
superstep bookkeeping, ``max_iterations``, failure and pause handling, and the final
:class:`RunResult` with output selection. Each superstep it **yields** the list of
:class:`~hypergraph.runners.loop.call.NodeCall` objects to execute and expects to be **sent** back
the calls it executed, each finished with :func:`~hypergraph.runners.loop.call.finish_call` or
:func:`~hypergraph.runners.loop.call.fail_call`. The generator's return value (``StopIteration``
value) is the RunResult; with ``error_handling="raise"`` a node's exception is raised out of the
generator as itself.

A driver therefore looks like this (SyncRunner is exactly this; an AsyncRunner replaces the inner
loop by running the calls concurrently, e.g. ``asyncio.gather``, and sends back all of them)::

    steps = run_steps(graph, prepared, ctx, max_iterations)
    try:
        calls = next(steps)
        while True:
            executed = []
            for call in calls:
                executed.append(call)
                try:
                    finish_call(call, execute(call))
                except Exception as exc:
                    fail_call(call, exc)
                    break                      # SyncRunner stops at the failing node
            calls = steps.send(executed)
    except StopIteration as stop:
        return stop.value

Rules a driver must respect: execute the calls of one batch in any order or concurrently, but do
not start the next batch before sending this one back; send back only calls that were executed
(SyncRunner omits those after a failure); let ``BaseException`` (``KeyboardInterrupt``) escape.

Events (runners/loop/event_hooks.py builds them, runners/loop/event_channel.py delivers them),
a driver's part:

- top-level ``run``/``map``: ``events = open_events(event_processors, deferred=<async?>)`` (``None``
  without processors), put it on the context (``RunContext(..., dispatcher=events)``), and in a
  ``finally`` call ``events.shutdown()`` (sync) or ``await events.shutdown_async()`` (async);
- call ``start_call(call)`` right before executing each call (after taking a concurrency slot);
- a mapped GraphNode: ``start_mapped(call, count)`` before its items, ``end_mapped(call, exc)``
  after them (``exc`` when the map raises), items run through :func:`nested_run_steps`;
- async drivers (``deferred=True``): ``await events.flush()`` after ``next``/``send`` and after
  each call finishes, so ``AsyncEventProcessor.on_event_async`` is awaited close to the event.

Run start/end, cache-hit, node end/error and route-decision events are emitted here and in
runners/loop/call.py; nothing else is needed.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from hypergraph._warnings import warn_user
from hypergraph.engine.compiled import CompiledRun
from hypergraph.engine.plan import EMITTED, ExecutionPlan, get_plan
from hypergraph.engine.state import RunState
from hypergraph.engine.static import scheduler_for
from hypergraph.exceptions import InfiniteLoopError
from hypergraph.runners.checks.arguments import prepare_run
from hypergraph.runners.failure_notes import note_failed_node
from hypergraph.runners.loop.call import NodeCall, RunContext, prepare_call, start_call
from hypergraph.runners.loop.compiled_loop import LoopRun, loop_for, run_loop
from hypergraph.runners.loop.compiled_run import compiled_for, run_compiled
from hypergraph.runners.loop.event_hooks import (
    emit_node_error,
    emit_restored,
    emit_run_end,
    emit_run_start,
)
from hypergraph.runners.result import (
    OutputValues,
    PauseInfo,
    RunResult,
    RunStatus,
    assemble_result,
    new_run_id,
)

__all__ = ["RunSteps", "nested_run_steps", "new_run_id", "run_steps", "select_outputs"]

RunSteps = Generator[list[NodeCall], list[NodeCall], RunResult]


def run_steps(graph: Any, prepared: Any, ctx: RunContext, max_iterations: int) -> RunSteps:
    """Run ``graph`` superstep by superstep, yielding the node calls a driver must execute.

    Args:
        graph: The graph to run.
        prepared: The ``PreparedRun`` from ``prepare_run`` (validated values and options).
        ctx: This run's context (runner, cache, dispatcher, ids).
        max_iterations: Superstep cap, applied only to graphs with cycles.
    """
    if ctx.dispatcher is not None:
        return _observed_steps(graph, prepared, ctx, max_iterations)
    if ctx.recorder is not None:
        return _recorded_steps(graph, prepared, ctx, max_iterations)
    compiled = compiled_for(graph, prepared, ctx)  # nothing observes it: maybe the fast path
    if compiled is not None:
        return _compiled_steps(compiled, graph, prepared, ctx)
    loop = loop_for(graph, prepared, ctx)  # a loop or routed graph: remembered decisions
    if loop is not None:
        return _loop_steps(loop, graph, prepared, ctx, max_iterations)
    return _steps(graph, prepared, ctx, max_iterations)


def _compiled_steps(compiled: CompiledRun, graph: Any, prepared: Any, ctx: RunContext) -> RunSteps:
    """A run the compiled function executes whole (runners/loop/compiled_run.py): no superstep
    reaches the driver, whose first ``next`` returns the result or raises the failure."""
    return run_compiled(compiled, graph, prepared, ctx)
    yield  # a generator, like every run


def _loop_steps(
    loop: LoopRun, graph: Any, prepared: Any, ctx: RunContext, max_iterations: int
) -> RunSteps:
    """A run driven through its scheduler automaton (runners/loop/compiled_loop.py), whole:
    the driver's first ``next`` returns the result or raises the failure."""
    return run_loop(loop, graph, prepared, ctx, max_iterations)
    yield  # a generator, like every run


def _observed_steps(graph: Any, prepared: Any, ctx: RunContext, max_iterations: int) -> RunSteps:
    """:func:`_steps` framed by the run's start and end events (docs/guides/events.md).

    The end event reports FAILED for a raised failure and for a FAILED result; a paused run
    emits none. Keeping this wrapper apart leaves a run without processors untouched.
    """
    name = ctx.graph_name = getattr(graph, "name", None)
    ctx.trace_io = ctx.trace_io or getattr(graph, "trace_io", False)
    started = emit_run_start(ctx, name)
    body = _recorded_steps if ctx.recorder is not None else _steps
    try:
        result = yield from body(graph, prepared, ctx, max_iterations)
    except Exception as exc:
        emit_run_end(ctx, name, started, exc)
        raise
    if result.status is not RunStatus.PAUSED:
        emit_run_end(ctx, name, started, result.error)
    return result


def _recorded_steps(graph: Any, prepared: Any, ctx: RunContext, max_iterations: int) -> RunSteps:
    """:func:`_steps` of a durable run: the recorder hears how it ended (runners/durable/)."""
    recorder = ctx.recorder
    try:
        result = yield from _steps(graph, prepared, ctx, max_iterations)
    except Exception:
        recorder.finish(None)
        raise
    recorder.finish(result)
    return result


def _steps(graph: Any, prepared: Any, ctx: RunContext, max_iterations: int) -> RunSteps:
    plan = get_plan(graph)
    state = RunState(len(plan.nodes), prepared.values)
    if plan.has_interrupts:
        state.hold_interrupt_answers(plan.interrupt_outputs)
    # Durable runs restore the stored steps here and record each superstep below; other runs
    # replay precomputed supersteps when the graph is a plain DAG.
    recorder = ctx.recorder
    if recorder is None:
        scheduler = scheduler_for(plan, state)
        superstep = 0
    else:
        stored = recorder.steps  # taken before restore() lets go of them
        scheduler = recorder.restore(plan, state)
        superstep = recorder.superstep  # the stored numbering goes on
        if ctx.dispatcher is not None and stored:
            emit_restored(ctx, stored, graph)  # progress counts restored steps as done
    nodes = plan.nodes
    cyclic = plan.has_cycles
    supersteps = 0
    failure: BaseException | None = None
    pause: PauseInfo | None = None
    next_ready = scheduler.next_ready
    apply = scheduler.apply
    while True:
        ready = next_ready()
        if not ready and not (state.held and scheduler.release_held() and (ready := next_ready())):
            break
        if cyclic:
            if supersteps >= max_iterations:
                message = _loop_message(plan, ready, max_iterations)
                failure = InfiniteLoopError(max_iterations, message)
                break
            supersteps += 1
        ctx.superstep = superstep
        superstep += 1

        resolved: list[NodeCall] | None = None  # calls needing no execution (resume, cache hit)
        pending: list[NodeCall] = []
        for i in ready:
            try:
                call = prepare_call(nodes[i], state, ctx)
            except Exception as exc:  # e.g. an un-copyable default: a failure of this node
                failure = exc
                note_failed_node(exc, nodes[i].name, graph.name)
                if ctx.dispatcher is not None:
                    emit_node_error(NodeCall(nodes[i], ctx, {}), exc)
                break
            if call.outputs is None:
                pending.append(call)
            elif resolved is None:
                resolved = [call]
            else:
                resolved.append(call)

        finished = pending
        if pending:
            executed = yield pending
            finished = executed
            for call in executed:
                if call.outputs is None:  # something failed or paused: take the slow path
                    finished = [c for c in executed if c.outputs is not None]
                    failure, pause = _first_problem(executed, failure, pause, graph.name)
                    if pause is not None and failure is None and ctx.pause_refusal is not None:
                        failure, pause = _refuse_pause(executed, pause, ctx, graph.name), None
                    break
        if resolved is not None:
            finished = sorted([*resolved, *finished], key=_node_index)

        if recorder is not None:
            apply(finished)  # type: ignore[arg-type]
            recorder.record(plan, resolved, executed if pending else None, state)
            if failure is not None and prepared.error_handling != "continue":
                raise failure
        else:
            if failure is not None and prepared.error_handling != "continue":
                raise failure
            apply(finished)  # type: ignore[arg-type]
        if failure is not None or pause is not None:
            break

    if failure is not None:
        if prepared.error_handling != "continue":
            raise failure
        return _result(plan, state, prepared, ctx, RunStatus.FAILED, error=failure)
    if pause is not None:
        return _result(plan, state, prepared, ctx, RunStatus.PAUSED, pause=pause)
    return _result(plan, state, prepared, ctx, RunStatus.COMPLETED)


def nested_run_steps(call: NodeCall, values: dict[str, Any], index: int | None = None) -> RunSteps:
    """The inner run of GraphNode ``call`` with ``values`` (inner names), docs/guides/graphs.md.

    Every driver runs nested graphs (and each ``map_over`` item, ``index`` being its position)
    through this: the inner graph's own selection, the runner's default iteration cap,
    ``error_handling="raise"``, a child context (same runner, cache, dispatcher), and the
    answers for interrupts inside this GraphNode that the caller supplied under dotted resume
    keys (taken once per outer run). In a durable run the inner run is a child run, and each
    ``map_over`` item one child run of the call's map: a child that completed before comes back
    restored instead of running.
    """
    graph = call.node.graph
    ctx = call.ctx
    runner = ctx.runner
    routing = None
    if ctx.resume and call.plan.name in ctx.resume:
        from hypergraph.runners.checks.resume_keys import route_resume_values

        values = {**values, **ctx.resume.pop(call.plan.name)}
        values, routing, _ = route_resume_values(graph, values)  # checked by the outer run
    prepared = prepare_run(graph, values, None, runner=runner, on_internal_override="ignore")
    start_call(call)  # events: the GraphNode's start precedes its nested run's events
    # A map_over item hangs under the map's span (event_hooks.start_mapped), a plain inner run
    # under the GraphNode call's span.
    parent = call.map_span.span_id if call.map_span is not None else call.span_id
    child = ctx.child(parent_span_id=parent)
    child.resume = routing
    if ctx.pause_refusal is not None:  # a host that cannot pause (runners/hosting.py)
        child.pause_refusal = ctx.pause_refusal.inside(call.plan.name)
    if ctx.recorder is not None:
        if index is None:
            recorder = ctx.recorder.nested(call, values, child)
        else:
            recorder = ctx.recorder.nested_item(call, index, values, child)
        if isinstance(recorder, RunResult):  # it completed before the process stopped
            return _finished(recorder)
        child.recorder = recorder
    return run_steps(graph, prepared, child, runner.default_max_iterations)


def _finished(result: RunResult) -> RunSteps:
    """A run that needs no superstep: the driver's first ``next`` returns ``result``."""
    return result
    yield  # a generator, like every run


def _first_problem(
    executed: list[NodeCall],
    failure: BaseException | None,
    pause: PauseInfo | None,
    graph_name: str | None,
) -> tuple[BaseException | None, PauseInfo | None]:
    """The superstep's failure (first in node order, before any setup failure) and pause.

    The failure is noted with the node that raised it (runners/failure_notes.py).
    """
    for call in executed:
        if call.error is not None:
            note_failed_node(call.error, call.plan.name, graph_name)
            return call.error, pause
        if call.pause is not None and pause is None:
            pause = call.pause
    return failure, pause


def _refuse_pause(
    executed: list[NodeCall], pause: PauseInfo, ctx: RunContext, graph_name: str | None
) -> BaseException:
    """Fail the call that paused with the host's refusal (runners/hosting.py) and return it.

    The call ends like a failing node (its error event, its failure note), so the runs around
    it fail with the refusal and every span closes.
    """
    call = next(c for c in executed if c.pause is pause)
    error: BaseException = ctx.pause_refusal.error(pause.node_name)
    call.pause = None
    call.error = error
    if ctx.dispatcher is not None:
        emit_node_error(call, error)
    note_failed_node(error, call.plan.name, graph_name)
    return error


def _node_index(call: NodeCall) -> int:
    return call.plan.index


def _loop_message(plan: ExecutionPlan, ready: Sequence[int], max_iterations: int) -> str:
    still_ready = [plan.nodes[i].name for i in ready]
    return (
        f"Graph {plan.graph.name or '(unnamed)'!s} did not finish within "
        f"max_iterations={max_iterations} supersteps; nodes {still_ready} were still ready to "
        "run. A loop never reached END: check the gate's exit condition, or pass a larger "
        "max_iterations if the loop legitimately needs more turns."
    )


def _result(
    plan: ExecutionPlan,
    state: RunState,
    prepared: Any,
    ctx: RunContext,
    status: RunStatus,
    *,
    error: BaseException | None = None,
    pause: PauseInfo | None = None,
) -> RunResult:
    # Missing outputs are only worth a warning or an error when the run finished normally.
    on_missing = prepared.on_missing if status is RunStatus.COMPLETED else "ignore"
    values = select_outputs(plan, state.values, prepared.selected, on_missing)
    run_id = ctx.run_id if ctx.run_id is not None else new_run_id()
    return assemble_result(values, status, run_id, error, pause)


def select_outputs(
    plan: ExecutionPlan,
    values: dict[str, Any],
    selected: tuple[str, ...] | None,
    on_missing: str,
) -> OutputValues:
    """The outputs to return (docs/guides/running.md): all produced outputs, or the selection in its
    order."""
    if selected is None:
        return OutputValues(
            [
                (name, values[name])
                for name in plan.result_names
                if name in values and values[name] is not EMITTED
            ]
        )
    chosen = OutputValues()
    missing: list[str] = []
    for name in selected:
        value = values.get(name, EMITTED)
        if value is EMITTED:
            missing.append(name)
        else:
            chosen[name] = value
    if missing and on_missing != "ignore":
        available = [n for n in plan.result_names if n in values and values[n] is not EMITTED]
        message = f"Requested outputs not found: {missing}. Available outputs: {available}"
        if on_missing == "error":
            raise ValueError(
                message + ". They were not produced: their nodes did not run (routed away by a "
                "gate, or not reached). Use on_missing='ignore' to return what is available."
            )
        warn_user(message)
    return chosen
