"""A plain DAG run compiled, once, into one generated Python function.

When :func:`~hypergraph.engine.static.static_levels` gives a run of a plan a precomputed
schedule, nothing about *which* node runs *when* depends on the values any more: the run is the
same sequence of calls every time. :func:`compile_run` writes that sequence down as Python
source (one function per plan, supplied key set and output selection) and compiles it, so a
run costs the node calls themselves plus a few local variable moves. For a chain
``a -> f -> b -> g -> c`` the generated body reads::

    def run(values, ctx):
        x0 = values['a']
        try:
            x1 = c2(x0)
        except Exception as exc:
            return 0, exc, locals()
        try:
            x2 = c3(x1)
        except Exception as exc:
            return 1, exc, locals()
        return None, OutputValues((('b', x1), ('c', x2))), None

Nodes run in the schedule's order (superstep by superstep, node order inside one), exactly the
order in which ``SyncRunner`` executes them on the general path, and the first failure stops the
run (``AsyncRunner`` runs every call of a superstep before looking at failures, so it takes
only :attr:`CompiledRun.serial` runs, whose supersteps are one node each). Values live in local variables; plain Python functions get their parameters positionally.
The function returns ``(None, outputs, None)`` on success and ``(position, exception, locals)``
when the node at ``position`` of :attr:`CompiledRun.order` raised: the locals hold the values
produced before the failure, which :meth:`CompiledRun.failed_state` puts back into ``values``.

A GraphNode whose inner run is itself a static run of such nodes, started quietly (its start
checks pass without a warning for the names it gets), is written *inline*: its inner nodes'
calls go into the same function, its outputs into locals, and a failing inner node gets the
note its inner run would have given it before the GraphNode's own failure is returned (see
:class:`Inlining`), up to ``_INLINE_DEPTH`` levels deep (a GraphNode deeper than that is
called through ``nested`` from the inline code, its own run compiled the same way, so deep
nesting costs two frames per hundred levels). Any other GraphNode is called through
``nested``, and its outputs go into ``values`` directly (an inner run may return fewer names
than the node declares, so readers look them up there, as the general path does); when such a
name is selected, ``outputs`` is ``None`` and the caller selects from ``values``.

This module holds the compiled run and its memo; which runs compile is decided in
engine/compilable.py, and engine/codegen.py writes the function's source.

Only what the general path would do without any hook is compiled; :func:`compile_run` returns
``None`` (use the general path) for anything else: a schedule that is not static, a node that
is not a plain uncached sync function or a GraphNode (generators, gates, interrupts, mapped
GraphNodes, retries, timeouts, cached nodes, positional-only or ``*args`` signatures, a
signature default that must be deep-copied), and a selection naming outputs the run cannot
produce while ``on_missing`` asks to hear about them. Whether the run is observed (events,
checkpoints, resume answers) is the caller's decision (runners/loop/compiled_run.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypergraph.engine.codegen import Inlining, NestedCall, Writer
from hypergraph.engine.compilable import static_run
from hypergraph.engine.kinds import NodeKind
from hypergraph.engine.plan import ExecutionPlan, NodePlan
from hypergraph.engine.static import static_levels

__all__ = ["CompiledRun", "Inlining", "compile_run", "compiled_run"]

_MEMO_LIMIT = 256  # distinct (key set, selection) pairs per plan; past it the memo restarts
_NOT_COMPILED = "not compiled"


class CompiledRun:
    """A compiled run: ``function(values, ctx)`` plus the nodes it calls, in call order.

    Attributes:
        function: The generated function (see the module docstring for what it returns).
        order: The node plans in the order they are called.
        source: The generated source text (for debugging and tests).
        variables: Value name → the local variable holding it, for every value a node of
            the run produces.
        serial: Every superstep of the run is one plain function node (no GraphNode). Then
            stopping at the first failure is also what a driver running a whole superstep's
            calls before looking at failures does: a superstep holds no sibling left unrun.
    """

    __slots__ = ("function", "order", "source", "variables", "serial")

    def __init__(
        self,
        function: Callable[[dict[str, Any], Any], tuple[Any, Any, Any]],
        order: tuple[NodePlan, ...],
        source: str,
        variables: dict[str, str],
        serial: bool = False,
    ) -> None:
        self.function = function
        self.order = order
        self.source = source
        self.variables = variables
        self.serial = serial

    def failed_state(self, values: dict[str, Any], frame_locals: dict[str, Any]) -> None:
        """Put the values produced before a failure (locals of the generated function) into
        ``values``, which then holds the state the general path would have."""
        for name, variable in self.variables.items():
            if variable in frame_locals:
                values[name] = frame_locals[variable]


def compiled_run(
    plan: ExecutionPlan,
    keys: frozenset[str],
    selected: tuple[str, ...] | None,
    on_missing: str,
    nested: NestedCall,
    inline: Callable[[], Inlining] | None = None,
    variant: Any = None,
) -> CompiledRun | None:
    """The memoised :func:`compile_run` of ``plan`` for one key set and output selection.

    ``inline`` makes the :class:`Inlining` when a compilation needs it; ``variant`` is what
    else its verdicts depend on (the runner type whose start checks they ran), part of the
    memo key.
    """
    memo = plan.compiled
    memo_key = (keys, selected, on_missing, variant)
    found = memo.get(memo_key, _NOT_COMPILED)
    if found is _NOT_COMPILED:
        inlining = inline() if inline is not None else None
        found = compile_run(plan, keys, selected, on_missing, nested, inlining)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[memo_key] = found
    return found  # type: ignore[no-any-return]


def compile_run(
    plan: ExecutionPlan,
    keys: frozenset[str],
    selected: tuple[str, ...] | None,
    on_missing: str,
    nested: NestedCall,
    inline: Inlining | None = None,
) -> CompiledRun | None:
    """Compile a run of ``plan`` supplying ``keys`` (see the module docstring).

    Args:
        plan: The graph's execution plan.
        keys: The names of the supplied values.
        selected: The run's output selection (``None``: all outputs).
        on_missing: The run's ``on_missing`` policy.
        nested: Called as ``nested(node_plan, ctx, values)`` for a GraphNode; returns the
            node's outputs (outer names) or raises the inner run's exception.
        inline: Lets a GraphNode's inner run be written into the generated function instead
            of going through ``nested`` (see :class:`Inlining`); ``None``: never.
    """
    static = static_run(plan, keys, selected, on_missing)
    if static is None:
        return None
    order, produced, names = static

    writer = Writer(nested, inline)
    local: dict[str, str] = {}  # value name -> local variable holding it
    for name in sorted(keys):
        local[name] = writer.fresh()
        writer.lines.append(f"    {local[name]} = values[{name!r}]")
    # A GraphNode's outputs are those its inner run returned, which may be fewer than it
    # declares: unless its inner run is written inline, names it produces are read back from
    # ``values`` when present, as the general path resolves them (engine/resolve.py).
    uncertain: set[str] = set()
    for position, p in enumerate(order):
        if p.kind is NodeKind.GRAPH and writer.inline_graph(p, local, uncertain, position):
            continue
        if not writer.node(p, local, uncertain, position):
            return None
        if p.kind is NodeKind.GRAPH:
            uncertain.update(p.data_outputs)
    lines = writer.lines
    produced_locals = {name: local[name] for name in produced if name in local}
    if any(name in uncertain for name in names):  # the caller selects from ``values``
        lines.extend(f"    values[{name!r}] = {var}" for name, var in produced_locals.items())
        lines.append("    return None, None, None")
    else:
        pairs = "".join(f"({name!r}, {local[name]}), " for name in names if name in local)
        lines.append(f"    return None, OutputValues(({pairs})), None")
    source = "def run(values, ctx):\n" + "\n".join(lines) + "\n"
    namespace = writer.namespace
    exec(compile(source, f"<hypergraph run of {plan.graph.name or 'graph'}>", "exec"), namespace)
    serial = len(static_levels(plan, keys)) == len(order) and all(
        p.kind is NodeKind.FUNCTION for p in order
    )
    return CompiledRun(namespace["run"], order, source, produced_locals, serial)
