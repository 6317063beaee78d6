"""The fast path: a run nothing observes, executed by its compiled function (engine/compiled.py).

A plain DAG run whose nodes are ordinary sync functions (or GraphNodes made of them), with no
event processors, no checkpointer and no resume answers, is the same sequence of calls every
time. :func:`compiled_for` hands back its generated function when the run qualifies, and
:func:`run_compiled` runs it and builds the :class:`RunResult` exactly as
:func:`~hypergraph.runners.loop.steps.run_steps` would: same values, same status, the failing
node noted on its exception, ``error_handling`` applied the same way.

Only drivers that execute a superstep's calls one by one, in node order, stopping at the first
failure (``SyncRunner``, which sets ``_inline_calls``) may take this path: the generated function
does exactly that. ``AsyncRunner`` runs every call of a superstep before it looks at failures
(the first in node order wins), so its map items take it only for a *serial* run, whose every
superstep is one plain function node, where both come to the same (``serial_only``). Any
observer sends the run down the general path, where every hook lives.
"""

from __future__ import annotations

from typing import Any

from hypergraph.engine.compiled import CompiledRun, Inlining, compiled_run
from hypergraph.engine.plan import NodePlan, get_plan
from hypergraph.runners.checks.arguments import prepare_run, quiet_nested_start
from hypergraph.runners.failure_notes import note_failed_node
from hypergraph.runners.loop.call import RunContext
from hypergraph.runners.result import RunResult, RunStatus, assemble_result, new_run_id

__all__ = ["compiled_for", "run_compiled"]

_COMPLETED = RunStatus.COMPLETED


def compiled_for(
    graph: Any, prepared: Any, ctx: RunContext, *, serial_only: bool = False
) -> CompiledRun | None:
    """The compiled run for ``graph`` started from ``prepared``, or ``None`` for the general path.

    ``None`` whenever something observes the run (events, a recorder, resume answers), the
    driver does not execute calls inline, or the graph and key set are not a plain DAG of
    compilable nodes (engine/compiled.py). ``serial_only``: the caller's driver runs a whole
    superstep before looking at failures (``AsyncRunner``, whose sync calls run in place),
    so only a run whose every superstep is one plain function node qualifies.
    """
    if ctx.dispatcher is not None or ctx.recorder is not None or ctx.resume:
        return None
    if not serial_only and not getattr(ctx.runner, "_inline_calls", False):
        return None
    runner = ctx.runner
    compiled = compiled_run(
        get_plan(graph),
        frozenset(prepared.values),
        prepared.selected,
        prepared.on_missing,
        _nested,
        lambda: _inlining(runner),
        type(runner),
    )
    if serial_only and compiled is not None and not compiled.serial:
        return None
    return compiled


def _inlining(runner: Any) -> Inlining:
    """What lets a compiled run write its GraphNodes' inner runs inline (engine/compiled.py):
    the inner run's start checks as ``runner`` runs them, and its failure note."""

    def verdict(p: NodePlan, keys: frozenset[str]) -> tuple[tuple[str, ...] | None, str] | None:
        return quiet_nested_start(p.node.graph, keys, runner)

    return Inlining(verdict, note_failed_node)


def run_compiled(
    compiled: CompiledRun,
    graph: Any,
    prepared: Any,
    ctx: RunContext,
    values: dict[str, Any] | None = None,
) -> RunResult:
    """Run ``compiled`` from ``prepared`` and return the run's result (or raise its failure).

    ``values`` replaces ``prepared.values`` (a map item run with the map's checked options).
    Either is a fresh dict owned by this run: it becomes the run's state.
    """
    if values is None:
        values = prepared.values
    position, outcome, frame_locals = compiled.function(values, ctx)
    if position is None:
        if outcome is None:  # a GraphNode may have left a selected output unset
            outcome = _select(graph, values, prepared, prepared.on_missing)
        run_id = ctx.run_id if ctx.run_id is not None else new_run_id()
        return assemble_result(outcome, _COMPLETED, run_id)
    note_failed_node(outcome, compiled.order[position].name, graph.name)
    if prepared.error_handling != "continue":
        raise outcome
    compiled.failed_state(values, frame_locals)
    outputs = _select(graph, values, prepared, "ignore")
    run_id = ctx.run_id if ctx.run_id is not None else new_run_id()
    return assemble_result(outputs, RunStatus.FAILED, run_id, outcome)


def _select(graph: Any, values: dict[str, Any], prepared: Any, on_missing: str) -> Any:
    from hypergraph.runners.loop.steps import select_outputs

    return select_outputs(get_plan(graph), values, prepared.selected, on_missing)


def _nested(p: NodePlan, ctx: RunContext, values: dict[str, Any]) -> dict[str, Any]:
    """A GraphNode's call from generated code: its inner run, compiled too when it qualifies.

    What :func:`~hypergraph.runners.loop.steps.nested_run_steps` does for an unobserved run
    (inner checks, a child context, the runner's default cap), with as few frames per level
    as the general path, so deeply nested graphs reach the same depth.
    """
    from hypergraph.runners.loop.steps import run_steps

    graph = p.node.graph
    runner = ctx.runner
    prepared = prepare_run(graph, values, None, runner=runner, on_internal_override="ignore")
    compiled = compiled_for(graph, prepared, ctx)
    if compiled is None:
        child = ctx.child()
        result = runner._drive(run_steps(graph, prepared, child, runner.default_max_iterations))
        inner: Any = result.values
    else:  # only the outputs are needed: no RunResult, no run id, no context of its own
        values = prepared.values
        position, inner, _ = compiled.function(values, ctx)
        if position is not None:  # a nested run raises (error_handling="raise")
            note_failed_node(inner, compiled.order[position].name, graph.name)
            raise inner
        if inner is None:
            inner = _select(graph, values, prepared, prepared.on_missing)
    outputs: dict[str, Any] = p.node.map_outputs_from_original(inner)
    return outputs
