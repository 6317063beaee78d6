"""The fast path for loops and routed graphs nothing observes: the scheduler's remembered answers.

A run that cannot be compiled into one straight function (engine/compiled.py) because a gate
routes it or a cycle repeats it still spends most of its time *deciding* what runs next. For
the same plan and supplied names, those decisions repeat: :class:`~hypergraph.engine.automaton.
ScheduleAutomaton` remembers them as states and transitions, computed by the one scheduler the
first time each is met. :class:`LoopRun` drives a run through that automaton: each superstep it
calls the ready nodes through small generated functions (arguments from ``values``, results
converted as ``finish_call`` converts them), writes their outputs in node order by the rule of
:meth:`~hypergraph.engine.state.RunState.write`, and follows the superstep's outcome to the next
state. No ``NodeCall``, no superstep list, no version bookkeeping per run.

What it reproduces from :func:`~hypergraph.runners.loop.steps.run_steps`: nodes run in the
order ``SyncRunner`` runs them (node order inside a superstep), the first failure stops the
run with the outputs of the nodes before it in its superstep applied, ``max_iterations``
counts supersteps of graphs with cycles and ends the run with the same
:class:`~hypergraph.exceptions.InfiniteLoopError`, and the result selects its outputs with the
same function. A property test runs random graphs with gates and cycles both ways
(tests/runners/test_compiled_run_property.py).

Taken only when nothing observes the run (the same conditions as the compiled DAG path,
runners/loop/compiled_run.py), the graph has gates or cycles and at most :data:`NODE_LIMIT`
nodes (a new automaton state costs time linear in the graph; loops repay it by meeting the
same few states every turn), and every node is a plain uncached sync function or a gate,
without retries, timeouts, emit or ``wait_for`` signals, deep-copied defaults or interrupts
anywhere in the graph.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypergraph.engine.automaton import ScheduleAutomaton
from hypergraph.engine.codegen import call_expression
from hypergraph.engine.kinds import NodeKind
from hypergraph.engine.plan import ExecutionPlan, NodePlan, get_plan
from hypergraph.engine.resolve import FROM_BOUND, FROM_DEFAULT, FROM_STATE_ONLY
from hypergraph.exceptions import InfiniteLoopError
from hypergraph.runners.failure_notes import note_failed_node
from hypergraph.runners.loop.call import RunContext
from hypergraph.runners.result import RunResult, RunStatus, assemble_result, new_run_id

__all__ = ["NODE_LIMIT", "LoopRun", "loop_for", "run_loop"]

Call = Callable[[dict[str, Any]], Any]
Write = Callable[[dict[str, Any], Any], Any]

_MEMO_KEY = "loop run"  # plan.compiled key prefix (the DAG runs use key-set tuples)
_MEMO_LIMIT = 256  # entries of plan.compiled; past it the memo restarts
# Larger graphs take the general path: exploring a new automaton state costs time linear in
# the graph, which only repeated states repay, and a large graph's run meets many states.
NODE_LIMIT = 64
_MISSING: Any = object()


class LoopRun:
    """A run of one plan, for one supplied key set, driven by its scheduler automaton.

    Attributes:
        plan: The plan.
        automaton: The remembered scheduler (engine/automaton.py).
        table: Per node index, ``(call, write)``: ``call(values)`` executes the node and
            returns its converted result (a gate's decision), ``write(values, result)`` stores
            the outputs and returns the node's part of the outcome (``None`` for gates, whose
            decision is their part).
    """

    __slots__ = ("plan", "automaton", "table")

    def __init__(
        self, plan: ExecutionPlan, keys: frozenset[str], table: tuple[Any, ...] | None = None
    ) -> None:
        self.plan = plan
        self.automaton = ScheduleAutomaton(plan, keys)
        self.table = table if table is not None else _generate(plan)

    def run(self, values: dict[str, Any], max_iterations: int) -> tuple[Any, int | None]:
        """Run from ``values`` (the run's own dict, which becomes its state).

        Returns ``(None, None)`` when the run completed, ``(exception, node index)`` when a
        node failed, ``(InfiniteLoopError, None)`` when a cyclic graph reached the cap.
        """
        table = self.table
        automaton = self.automaton
        state = automaton.start
        cyclic = self.plan.has_cycles
        supersteps = 0
        while True:
            ready = state.ready
            if not ready:
                return None, None
            if cyclic:
                if supersteps >= max_iterations:
                    return _loop_error(self.plan, ready, max_iterations), None
                supersteps += 1
            if len(ready) == 1:
                call, write = table[ready[0]]  # type: ignore[misc]
                try:
                    result = call(values)
                except Exception as exc:
                    return exc, ready[0]
                outcome = result if write is None else write(values, result)
            else:
                results = []
                for index in ready:
                    try:
                        results.append(table[index][0](values))  # type: ignore[index]
                    except Exception as exc:  # later nodes do not run; earlier ones count
                        _write_all(table, ready, results, values)
                        return exc, index
                outcome = _write_all(table, ready, results, values)
            following = state.following.get(outcome)
            state = following if following is not None else automaton.advance(state, outcome)


def _write_all(
    table: tuple[Any, ...], ready: tuple[int, ...], results: list[Any], values: dict[str, Any]
) -> tuple[Any, ...]:
    """Store the outputs of a superstep's first ``len(results)`` nodes, in node order."""
    parts = []
    for index, result in zip(ready, results):
        write = table[index][1]
        parts.append(result if write is None else write(values, result))
    return tuple(parts)


def loop_for(graph: Any, prepared: Any, ctx: RunContext) -> LoopRun | None:
    """The :class:`LoopRun` for ``graph`` started from ``prepared``, or ``None`` for the
    general path (observed runs, drivers that do not call inline, other node kinds)."""
    if ctx.dispatcher is not None or ctx.recorder is not None or ctx.resume:
        return None
    if not getattr(ctx.runner, "_inline_calls", False):
        return None
    plan = get_plan(graph)
    memo = plan.compiled
    memo_key = (_MEMO_KEY, frozenset(prepared.values))
    found = memo.get(memo_key, _MISSING)
    if found is _MISSING:
        found = None
        if _eligible(plan):  # the generated calls serve every key set
            others = tuple(memo.values())  # one C-level copy: other threads may add entries
            table = next((run.table for run in others if isinstance(run, LoopRun)), None)
            found = LoopRun(plan, memo_key[1], table)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[memo_key] = found
    if found is not None and found.automaton.overflowed:
        return None  # too many states to remember: the general path is cheaper
    return found  # type: ignore[no-any-return]


def run_loop(
    loop: LoopRun, graph: Any, prepared: Any, ctx: RunContext, max_iterations: int
) -> RunResult:
    """Run ``loop`` from ``prepared`` and return the result, or raise the failure, exactly as
    :func:`~hypergraph.runners.loop.steps.run_steps` would."""
    from hypergraph.runners.loop.steps import select_outputs

    values = prepared.values
    error, index = loop.run(values, max_iterations)
    plan = loop.plan
    run_id = ctx.run_id if ctx.run_id is not None else new_run_id()
    if error is None:
        outputs = select_outputs(plan, values, prepared.selected, prepared.on_missing)
        return assemble_result(outputs, RunStatus.COMPLETED, run_id)
    if index is not None:
        note_failed_node(error, plan.nodes[index].name, graph.name)
    if prepared.error_handling != "continue":
        raise error
    outputs = select_outputs(plan, values, prepared.selected, "ignore")
    return assemble_result(outputs, RunStatus.FAILED, run_id, error)


def _loop_error(plan: ExecutionPlan, ready: tuple[int, ...], max_iterations: int) -> Exception:
    from hypergraph.runners.loop.steps import _loop_message

    return InfiniteLoopError(max_iterations, _loop_message(plan, ready, max_iterations))


def _eligible(plan: ExecutionPlan) -> bool:
    """Whether the plan is a small graph with gates or cycles (a DAG without gates has the
    compiled path, engine/compiled.py) whose nodes can all be called from generated code
    exactly as SyncRunner calls them."""
    if plan.has_interrupts or len(plan.nodes) > NODE_LIMIT:
        return False
    if not plan.has_cycles and not any(p.is_gate for p in plan.nodes):
        return False
    for p in plan.nodes:
        if p.emits or p.wait_for or p.guarded:
            return False
        if p.kind is NodeKind.FUNCTION:
            if not p.plain_call:
                return False
        elif p.kind is NodeKind.GATE:
            if getattr(p.node, "cache", False) or not p.call_shape.simple:
                return False
        else:
            return False
        for _name, _param, kind, _fallback in p.sources:
            if kind not in (FROM_STATE_ONLY, FROM_BOUND, FROM_DEFAULT):
                return False
    return True


def _generate(plan: ExecutionPlan) -> tuple[tuple[Call, Write | None] | None, ...]:
    """Generate ``call`` and ``write`` for every active node (see :class:`LoopRun`), as one
    source compiled once."""
    namespace: dict[str, Any] = {"__name__": __name__, "MISSING": _MISSING}
    lines: list[str] = []

    def constant(value: Any) -> str:
        slot = f"c{len(namespace)}"
        namespace[slot] = value
        return slot

    for p in plan.nodes:
        if p.active:
            lines.extend(_node_source(p, constant))
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<hypergraph loop of {plan.graph.name or 'graph'}>", "exec"), namespace)
    return tuple(
        (namespace[f"call{p.index}"], namespace.get(f"write{p.index}")) if p.active else None
        for p in plan.nodes
    )


def _node_source(p: NodePlan, constant: Callable[[Any], str]) -> list[str]:
    """The source of ``call{index}`` and (not for gates) ``write{index}`` for node ``p``."""
    arguments: list[tuple[str, str]] = []
    for name, param, kind, fallback in p.sources:
        if kind == FROM_STATE_ONLY:  # present: the scheduler found the node ready
            arguments.append((param, f"values[{name!r}]"))
        else:
            arguments.append((param, f"values.get({name!r}, {constant(fallback)})"))
    call = call_expression(constant(p.func), p.func, arguments)
    outputs = p.data_outputs
    lines = [f"def call{p.index}(values):"]
    if p.is_gate:
        lines.append(f"    return frozenset({constant(p.node.resolve_decision)}({call}))")
        return lines
    if len(outputs) == 1:
        lines.append(f"    return {call}")
    elif not outputs:
        lines.append(f"    {call}")
    else:  # the node checks the returned sequence: a failure of the node
        lines.append(f"    out = {constant(p.node.wrap_outputs)}({call})")
        lines.append(f"    return ({''.join(f'out[{n!r}], ' for n in outputs)})")
    lines.append(f"def write{p.index}(values, result):")
    if len(outputs) == 1:
        lines.extend(_write_one(outputs[0], "result", "changed"))
        lines.append("    return changed")
    else:
        for k, name in enumerate(outputs):
            lines.extend(_write_one(name, f"result[{k}]", f"changed{k}"))
        lines.append(f"    return ({''.join(f'changed{k}, ' for k in range(len(outputs)))})")
    return lines


def _write_one(name: str, value: str, flag: str) -> list[str]:
    """Lines storing ``value`` under ``name`` if it changes it (RunState.write's rule)."""
    return [
        f"    new = {value}",
        f"    old = values.get({name!r}, MISSING)",
        "    if old is new:",
        f"        {flag} = False",
        "    elif old is MISSING:",
        f"        values[{name!r}] = new",
        f"        {flag} = True",
        "    else:",
        "        try:",
        f"            {flag} = bool(old != new)",
        "        except Exception:",  # comparison failed: identity decides, and they differ
        f"            {flag} = True",
        f"        if {flag}:",
        f"            values[{name!r}] = new",
    ]
