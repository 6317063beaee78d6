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
run. Values live in local variables; plain Python functions get their parameters positionally.
The function returns ``(None, outputs, None)`` on success and ``(position, exception, locals)``
when the node at ``position`` of :attr:`CompiledRun.order` raised: the locals hold the values
produced before the failure, which :meth:`CompiledRun.failed_state` puts back into ``values``.
GraphNode outputs go into ``values`` directly (an inner run may return fewer names than the node
declares, so readers look them up there, as the general path does); when such a name is
selected, ``outputs`` is ``None`` and the caller selects from ``values``.

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
from types import FunctionType
from typing import Any

from hypergraph.engine.kinds import NodeKind
from hypergraph.engine.plan import ExecutionPlan, NodePlan
from hypergraph.engine.resolve import FROM_BOUND, FROM_DEFAULT, FROM_INNER
from hypergraph.engine.static import static_levels

__all__ = ["CompiledRun", "compile_run", "compiled_run"]

NestedCall = Callable[[NodePlan, Any, dict[str, Any]], dict[str, Any]]

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
    """

    __slots__ = ("function", "order", "source", "variables")

    def __init__(
        self,
        function: Callable[[dict[str, Any], Any], tuple[Any, Any, Any]],
        order: tuple[NodePlan, ...],
        source: str,
        variables: dict[str, str],
    ) -> None:
        self.function = function
        self.order = order
        self.source = source
        self.variables = variables

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
) -> CompiledRun | None:
    """The memoised :func:`compile_run` of ``plan`` for one key set and output selection."""
    memo = plan.compiled
    memo_key = (keys, selected, on_missing)
    found = memo.get(memo_key, _NOT_COMPILED)
    if found is _NOT_COMPILED:
        found = compile_run(plan, keys, selected, on_missing, nested)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[memo_key] = found
    return found  # type: ignore[no-any-return]


def _compilable(p: NodePlan) -> bool:
    """Whether node ``p`` can be called from generated code exactly like the general path."""
    if p.guarded or p.emits or p.wait_for:
        return False
    if p.kind is NodeKind.FUNCTION:
        return p.plain_call
    if p.kind is NodeKind.GRAPH:
        return not _may_pause(p.node.graph)
    return False


def _may_pause(graph: Any) -> bool:
    """Whether a run of ``graph`` could pause (an interrupt at any depth)."""
    pending = [graph]
    while pending:
        for node in pending.pop().iter_nodes():
            if node.is_interrupt:
                return True
            inner = node.nested_graph
            if inner is not None:
                pending.append(inner)
    return False


def compile_run(
    plan: ExecutionPlan,
    keys: frozenset[str],
    selected: tuple[str, ...] | None,
    on_missing: str,
    nested: NestedCall,
) -> CompiledRun | None:
    """Compile a run of ``plan`` supplying ``keys`` (see the module docstring).

    Args:
        plan: The graph's execution plan.
        keys: The names of the supplied values.
        selected: The run's output selection (``None``: all outputs).
        on_missing: The run's ``on_missing`` policy.
        nested: Called as ``nested(node_plan, ctx, values)`` for a GraphNode; returns the
            node's outputs (outer names) or raises the inner run's exception.
    """
    levels = static_levels(plan, keys)
    if not isinstance(levels, tuple):
        return None
    order = tuple(plan.nodes[i] for level in levels for i in level)
    if not all(_compilable(p) for p in order):
        return None
    produced = {name for p in order for name in p.data_outputs}
    names = (
        selected
        if selected is not None
        else tuple(n for n in plan.result_names if n in produced or n in keys)
    )
    if on_missing != "ignore" and any(n not in produced and n not in keys for n in names):
        return None  # the general path warns or raises about them

    local: dict[str, str] = {}  # value name -> local variable holding it
    # A GraphNode's outputs are those its inner run returned, which may be fewer than it
    # declares: names it produces are read back from ``values`` when present, as the general
    # path resolves them (engine/resolve.py).
    uncertain = {name for p in order if p.kind is NodeKind.GRAPH for name in p.data_outputs}
    namespace: dict[str, Any] = {"OutputValues": _output_values(), "nested": nested}
    lines = ["def run(values, ctx):"]

    def variable(name: str) -> str:
        if name not in local:
            local[name] = f"x{len(local)}"
        return local[name]

    def constant(value: Any) -> str:
        slot = f"c{len(namespace)}"
        namespace[slot] = value
        return slot

    for name in sorted(keys):
        lines.append(f"    {variable(name)} = values[{name!r}]")
    for position, p in enumerate(order):
        arguments: list[tuple[str, str]] = []  # (parameter, expression)
        maybe: list[tuple[str, str]] = []  # (name, parameter) passed only when present
        for name, param, kind, fallback in p.sources:
            if name in local:
                arguments.append((param, local[name]))
            elif name in uncertain:
                maybe.append((name, param))
            elif kind in (FROM_BOUND, FROM_DEFAULT):
                arguments.append((param, constant(fallback)))
            elif kind == FROM_INNER:
                continue  # the inner run applies its own default or binding
            else:  # a deep-copied default: its copy may fail, which the general path reports
                return None
        lines.append("    try:")
        if maybe:  # keywords only, collected at run time
            given = ", ".join(f"{param!r}: {value}" for param, value in arguments)
            lines.append(f"        kw = {{{given}}}")
            for name, param in maybe:
                lines.append(f"        if {name!r} in values: kw[{param!r}] = values[{name!r}]")
        if p.kind is NodeKind.GRAPH:
            given = ", ".join(f"{param!r}: {value}" for param, value in arguments)
            kwargs = "kw" if maybe else f"{{{given}}}"
            lines.append(f"        values.update(nested({constant(p)}, ctx, {kwargs}))")
        else:
            if maybe:  # ``kw`` holds every argument
                call = f"{constant(p.func)}(**kw)"
            else:
                call = _call(constant(p.func), p.func, arguments)
            outputs = p.data_outputs
            if len(outputs) == 1:
                lines.append(f"        {variable(outputs[0])} = {call}")
            elif not outputs:
                lines.append(f"        {call}")
            else:  # the node checks the returned sequence: a failure of the node
                lines.append(f"        out = {constant(p.node.wrap_outputs)}({call})")
                lines.extend(f"        {variable(n)} = out[{n!r}]" for n in outputs)
        lines.append("    except Exception as exc:")
        lines.append(f"        return {position}, exc, locals()")
    produced_locals = {name: local[name] for name in produced if name in local}
    if any(name in uncertain for name in names):  # the caller selects from ``values``
        lines.extend(f"    values[{name!r}] = {var}" for name, var in produced_locals.items())
        lines.append("    return None, None, None")
    else:
        pairs = "".join(f"({name!r}, {local[name]}), " for name in names if name in local)
        lines.append(f"    return None, OutputValues(({pairs})), None")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<hypergraph run of {plan.graph.name or 'graph'}>", "exec"), namespace)
    return CompiledRun(namespace["run"], order, source, produced_locals)


def _call(function: str, func: Any, arguments: list[tuple[str, str]]) -> str:
    """The call expression: positional arguments where the function surely takes them.

    Only a plain Python function (not a wrapper, which might look at how it was called) gets
    its positional-or-keyword parameters positionally, in signature order; the general path
    passes keywords, and for such a function both bind the same parameters.
    """
    parts: list[str] = []
    if type(func) is FunctionType and not hasattr(func, "__wrapped__"):
        code = func.__code__
        slots = code.co_varnames[code.co_posonlyargcount : code.co_argcount]
        given = dict(arguments)
        if code.co_posonlyargcount == 0 and all(name in given for name in slots):
            parts = [given.pop(name) for name in slots]
            arguments = list(given.items())
    parts.extend(f"{param}={value}" for param, value in arguments)
    return f"{function}({', '.join(parts)})"


def _output_values() -> Any:
    from hypergraph.runners.result import OutputValues

    return OutputValues
