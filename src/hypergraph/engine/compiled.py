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
:class:`Inlining`), up to ``_INLINE_DEPTH`` levels deep. Any other GraphNode is called
through ``nested``, and its outputs go into ``values`` directly (an inner run may return fewer
names than the node declares, so readers look them up there, as the general path does); when
such a name is selected, ``outputs`` is ``None`` and the caller selects from ``values``.

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
from typing import Any, NamedTuple

from hypergraph.engine.kinds import NodeKind
from hypergraph.engine.plan import ExecutionPlan, NodePlan, get_plan
from hypergraph.engine.resolve import FROM_BOUND, FROM_DEFAULT, FROM_INNER
from hypergraph.engine.static import static_levels

__all__ = ["CompiledRun", "Inlining", "compile_run", "compiled_run"]

NestedCall = Callable[[NodePlan, Any, dict[str, Any]], dict[str, Any]]


class Inlining(NamedTuple):
    """What writing a GraphNode's inner run inline needs from the caller.

    Attributes:
        verdict: ``verdict(node_plan, keys)``: the inner run's ``(selection, on_missing)``
            when it is started with the inner names ``keys``, or ``None`` when its start
            checks would raise or warn (the call then goes through ``nested``, which does).
        note: ``note(exc, node_name, graph_name)``: what an inner run does to the exception
            of its failing node before raising it (runners/failure_notes.py).
    """

    verdict: Callable[[NodePlan, frozenset[str]], tuple[tuple[str, ...] | None, str] | None]
    note: Callable[[BaseException, str, str | None], None]


_INLINE_DEPTH = 100  # nested levels written into one function; deeper ones go through ``nested``
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


def _compilable(p: NodePlan) -> bool:
    """Whether node ``p`` can be called from generated code exactly like the general path."""
    if p.guarded or p.emits or p.wait_for:
        return False
    if p.kind is NodeKind.FUNCTION:
        return p.plain_call
    if p.kind is NodeKind.GRAPH:
        return not _may_pause(p.node.graph)
    return False


def _nesting(graph: Any) -> int:
    """How many levels of graphs ``graph``'s nodes nest (0: no GraphNode)."""
    deepest = 0
    pending = [(graph, 0)]
    while pending:
        current, level = pending.pop()
        deepest = max(deepest, level)
        for node in current.iter_nodes():
            inner = node.nested_graph
            if inner is not None:
                pending.append((inner, level + 1))
    return deepest


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
    static = _static_run(plan, keys, selected, on_missing)
    if static is None:
        return None
    order, produced, names = static

    writer = _Writer(nested, inline)
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


def _schedule(plan: ExecutionPlan, keys: frozenset[str]) -> tuple[NodePlan, ...] | None:
    """The nodes of a static run of ``plan`` from ``keys`` in call order, if all compile."""
    levels = static_levels(plan, keys)
    if not isinstance(levels, tuple):
        return None
    order = tuple(plan.nodes[i] for level in levels for i in level)
    if not all(_compilable(p) for p in order):
        return None
    return order


def _static_run(
    plan: ExecutionPlan,
    keys: frozenset[str],
    selected: tuple[str, ...] | None,
    on_missing: str,
) -> tuple[tuple[NodePlan, ...], set[str], tuple[str, ...]] | None:
    """A run of ``plan`` from ``keys`` that compiles: its nodes in call order, the names they
    produce and the names it returns (the selection, else every output present), or ``None``
    when it does not compile or would leave a returned name missing (the general path warns
    or raises about those, as ``on_missing`` says)."""
    order = _schedule(plan, keys)
    if order is None:
        return None
    produced = {name for p in order for name in p.data_outputs}
    if selected is not None:
        names = selected
    else:
        names = tuple(n for n in plan.result_names if n in produced or n in keys)
    if on_missing != "ignore" and any(n not in produced and n not in keys for n in names):
        return None
    return order, produced, names


class _Writer:
    """The generated function being written: its body lines, constants and local names."""

    def __init__(self, nested: NestedCall, inline: Inlining | None) -> None:
        self.namespace: dict[str, Any] = {"OutputValues": _output_values(), "nested": nested}
        if inline is not None:
            self.namespace["notes"] = _noting(inline.note)
        self.inline = inline
        self.lines: list[str] = []
        self.count = 0

    def fresh(self) -> str:
        """A new local variable name."""
        self.count += 1
        return f"x{self.count - 1}"

    def constant(self, value: Any) -> str:
        """A global name of the generated function holding ``value``."""
        slot = f"c{len(self.namespace)}"
        self.namespace[slot] = value
        return slot

    def arguments(
        self, p: NodePlan, local: dict[str, str], uncertain: set[str]
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]] | None:
        """``(arguments, maybe)`` of ``p``'s call: ``(parameter, expression)`` pairs, and the
        ``(name, parameter)`` pairs passed only when present in ``values``; ``None`` when an
        input needs what only the general path does (a deep-copied default)."""
        arguments: list[tuple[str, str]] = []
        maybe: list[tuple[str, str]] = []
        for name, param, kind, fallback in p.sources:
            if name in local:
                arguments.append((param, local[name]))
            elif name in uncertain:
                maybe.append((name, param))
            elif kind in (FROM_BOUND, FROM_DEFAULT):
                arguments.append((param, self.constant(fallback)))
            elif kind == FROM_INNER:
                continue  # the inner run applies its own default or binding
            else:  # a deep-copied default: its copy may fail, which the general path reports
                return None
        return arguments, maybe

    def node(self, p: NodePlan, local: dict[str, str], uncertain: set[str], position: int) -> bool:
        """Write the call of ``p`` (a GraphNode through ``nested``); ``False``: not compilable."""
        found = self.arguments(p, local, uncertain)
        if found is None:
            return False
        arguments, maybe = found
        lines = self.lines
        lines.append("    try:")
        if maybe:  # keywords only, collected at run time
            given = ", ".join(f"{param!r}: {value}" for param, value in arguments)
            lines.append(f"        kw = {{{given}}}")
            for name, param in maybe:
                lines.append(f"        if {name!r} in values: kw[{param!r}] = values[{name!r}]")
        if p.kind is NodeKind.GRAPH:
            given = ", ".join(f"{param!r}: {value}" for param, value in arguments)
            kwargs = "kw" if maybe else f"{{{given}}}"
            lines.append(f"        values.update(nested({self.constant(p)}, ctx, {kwargs}))")
        else:
            call = f"{self.constant(p.func)}(**kw)" if maybe else None
            self.leaf(p, arguments, local, call)
        self.handler(position, ())
        return True

    def handler(self, position: int, notes: tuple[tuple[str, str | None], ...]) -> None:
        """Write the ``except`` clause of the call at ``position`` of the run's order, giving
        the exception ``notes`` (``(node, graph)`` pairs, innermost first) on the way."""
        self.lines.append("    except Exception as exc:")
        if notes:
            self.lines.append(f"        notes(exc, {self.constant(notes)})")
        self.lines.append(f"        return {position}, exc, locals()")

    def leaf(
        self,
        p: NodePlan,
        arguments: list[tuple[str, str]],
        local: dict[str, str],
        call: str | None = None,
    ) -> None:
        """Write the call of function node ``p`` and bind its outputs to new locals."""
        if call is None:
            call = _call(self.constant(p.func), p.func, arguments)
        outputs = p.data_outputs
        if len(outputs) == 1:
            local[outputs[0]] = self.fresh()
            self.lines.append(f"        {local[outputs[0]]} = {call}")
        elif not outputs:
            self.lines.append(f"        {call}")
        else:  # the node checks the returned sequence: a failure of the node
            self.lines.append(f"        out = {self.constant(p.node.wrap_outputs)}({call})")
            for name in outputs:
                local[name] = self.fresh()
                self.lines.append(f"        {local[name]} = out[{name!r}]")

    def inline_graph(
        self,
        p: NodePlan,
        local: dict[str, str],
        uncertain: set[str],
        position: int,
        notes: tuple[tuple[str, str | None], ...] = (),
        depth: int = 1,
    ) -> bool:
        """Write GraphNode ``p``'s inner run inline, when it is a static run of compilable
        nodes whose checks pass quietly for its key set and which returns every output ``p``
        declares; then bind those outputs to new locals. ``False``: nothing was written.

        A failing inner node gets the note its inner run would give it, then the ``notes`` of
        ``p`` itself, and fails the call at ``position``. The inner values live in locals of their own,
        which :meth:`CompiledRun.failed_state` never reads: a failed GraphNode adds nothing
        to the outer state, as on the general path.
        """
        if self.inline is None or depth + _nesting(p.node.graph) > _INLINE_DEPTH:
            return False
        found = self.arguments(p, local, uncertain)
        if found is None or found[1]:  # an input known only at run time: ``nested`` it is
            return False
        arguments = found[0]
        keys = frozenset(param for param, _ in arguments)
        verdict = self.inline.verdict(p, keys)
        if verdict is None:
            return False
        selected, on_missing = verdict
        graph = p.node.graph
        plan = get_plan(graph)
        static = _static_run(plan, keys, selected, on_missing)
        if static is None:
            return False
        order, _, names = static
        mark = (len(self.lines), len(self.namespace), self.count)
        inner = dict(arguments)  # inner name -> local variable or constant
        if not self._inner_body(plan, order, inner, position, notes, depth):
            self._rewind(mark)
            return False
        to_outer = p.node._to_outer
        exposed = {to_outer[n]: inner[n] for n in names if n in inner and n in to_outer}
        if set(exposed) != set(p.data_outputs):  # an output left unset: ``values`` knows
            self._rewind(mark)
            return False
        for name, value in exposed.items():
            local[name] = self.fresh()
            self.lines.append(f"    {local[name]} = {value}")
        return True

    def _inner_body(
        self,
        plan: ExecutionPlan,
        order: tuple[NodePlan, ...],
        local: dict[str, str],
        position: int,
        notes: tuple[tuple[str, str | None], ...],
        depth: int,
    ) -> bool:
        for q in order:
            inner_notes = ((q.name, plan.graph.name), *notes)
            if q.kind is NodeKind.GRAPH:
                if not self.inline_graph(q, local, set(), position, inner_notes, depth + 1):
                    return False
                continue
            found = self.arguments(q, local, set())
            if found is None:
                return False
            self.lines.append("    try:")
            self.leaf(q, found[0], local)
            self.handler(position, inner_notes)
        return True

    def _rewind(self, mark: tuple[int, int, int]) -> None:
        """Forget what was written since ``mark`` (an inner run that could not be inlined)."""
        lines, slots, self.count = mark
        del self.lines[lines:]
        for slot in list(self.namespace)[slots:]:
            del self.namespace[slot]


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


def _noting(
    note: Callable[[BaseException, str, str | None], None],
) -> Callable[[BaseException, tuple[tuple[str, str | None], ...]], None]:
    """``notes(exc, pairs)``: ``note`` for each ``(node, graph)`` pair, in order."""

    def notes(exc: BaseException, pairs: tuple[tuple[str, str | None], ...]) -> None:
        for node_name, graph_name in pairs:
            note(exc, node_name, graph_name)

    return notes


def _output_values() -> Any:
    from hypergraph.runners.result import OutputValues

    return OutputValues
