"""A whole run as a sans-IO generator, shared by every runner (SPEC §4.6–§4.8).

:func:`run_steps` owns everything about a run except *calling* nodes: the state, the scheduler,
superstep bookkeeping, ``max_iterations``, failure and pause handling, and the final
:class:`RunResult` with output selection. Each superstep it **yields** the list of
:class:`~hypergraph.runners.invoke.NodeCall` objects to execute and expects to be **sent** back
the calls it executed, each finished with :func:`~hypergraph.runners.invoke.finish_call` or
:func:`~hypergraph.runners.invoke.fail_call`. The generator's return value (``StopIteration``
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
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Generator
from typing import Any

from hypergraph.engine.plan import EMITTED, ExecutionPlan, get_plan
from hypergraph.engine.scheduler import Scheduler
from hypergraph.engine.state import RunState
from hypergraph.exceptions import InfiniteLoopError
from hypergraph.runners.invoke import NodeCall, RunContext, prepare_call
from hypergraph.runners.result import OutputValues, PauseInfo, RunResult, RunStatus, new_run_id

__all__ = ["RunSteps", "new_run_id", "run_steps", "select_outputs"]

RunSteps = Generator[list[NodeCall], list[NodeCall], RunResult]


def run_steps(graph: Any, prepared: Any, ctx: RunContext, max_iterations: int) -> RunSteps:
    """Run ``graph`` superstep by superstep, yielding the node calls a driver must execute.

    Args:
        graph: The graph to run.
        prepared: The ``PreparedRun`` from ``prepare_run`` (validated values and options).
        ctx: This run's context (runner, cache, dispatcher, ids).
        max_iterations: Superstep cap, applied only to graphs with cycles.
    """
    plan = get_plan(graph)
    state = RunState(len(plan.nodes), prepared.values)
    scheduler = Scheduler(plan, state)
    nodes = plan.nodes
    cyclic = plan.has_cycles
    supersteps = 0
    failure: BaseException | None = None
    pause: PauseInfo | None = None
    # HOOK (events): RunStartEvent here, with ctx.run_id / ctx.span_id / ctx.parent_span_id.
    next_ready = scheduler.next_ready
    apply = scheduler.apply
    while True:
        ready = next_ready()
        if not ready:
            break
        if cyclic:
            if supersteps >= max_iterations:
                message = _loop_message(plan, ready, max_iterations)
                failure = InfiniteLoopError(max_iterations, message)
                break
            supersteps += 1

        resolved: list[NodeCall] | None = None  # calls needing no execution (resume, cache hit)
        pending: list[NodeCall] = []
        for i in ready:
            try:
                call = prepare_call(nodes[i], state, ctx)
            except Exception as exc:  # e.g. an un-copyable default: a failure of this node
                failure = exc
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
                    failure, pause = _first_problem(executed, failure, pause)
                    break
        if resolved is not None:
            finished = sorted([*resolved, *finished], key=_node_index)

        if failure is not None and prepared.error_handling != "continue":
            raise failure
        apply(finished)
        if failure is not None or pause is not None:
            break

    if failure is not None:
        if prepared.error_handling != "continue":
            raise failure
        return _result(plan, state, prepared, ctx, RunStatus.FAILED, error=failure)
    if pause is not None:
        return _result(plan, state, prepared, ctx, RunStatus.PAUSED, pause=pause)
    return _result(plan, state, prepared, ctx, RunStatus.COMPLETED)


def _first_problem(
    executed: list[NodeCall], failure: BaseException | None, pause: PauseInfo | None
) -> tuple[BaseException | None, PauseInfo | None]:
    """The superstep's failure (first in node order, before any setup failure) and pause."""
    for call in executed:
        if call.error is not None:
            return call.error, pause
        if call.pause is not None and pause is None:
            pause = call.pause
    return failure, pause


def _node_index(call: NodeCall) -> int:
    return call.plan.index


def _loop_message(plan: ExecutionPlan, ready: list[int], max_iterations: int) -> str:
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
    # HOOK (events): RunEndEvent (not for a paused run).
    run_id = ctx.run_id if ctx.run_id is not None else new_run_id()
    return RunResult(values, status, run_id=run_id, error=error, pause=pause)


def select_outputs(
    plan: ExecutionPlan,
    values: dict[str, Any],
    selected: tuple[str, ...] | None,
    on_missing: str,
) -> OutputValues:
    """The outputs to return (SPEC §4.7): all produced outputs, or the selection in its order."""
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
        warnings.warn(message, UserWarning, stacklevel=_user_stacklevel())
    return chosen


def _user_stacklevel() -> int:
    """Stack level of the first frame outside hypergraph, so warnings point at user code."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("hypergraph"):
        frame = frame.f_back
        level += 1
    return level
