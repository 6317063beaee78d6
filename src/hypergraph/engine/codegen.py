"""Writing the source of a compiled run (engine/compiled.py): one generated Python function.

:class:`Writer` appends the body lines of ``run(values, ctx)`` node by node: a plain function
node's call with its inputs in locals (positionally where :func:`call_expression` can tell that
is the same), a GraphNode's call through ``nested``, or, with an :class:`Inlining`, a GraphNode's
inner run written into the same function. Each call is wrapped so that a failure returns
``(position, exception, locals())``; the module docstring of engine/compiled.py shows a body.
"""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any, NamedTuple

from hypergraph.engine.compilable import nodes_at_every_depth, static_run
from hypergraph.engine.kinds import NodeKind
from hypergraph.engine.plan import ExecutionPlan, NodePlan, get_plan
from hypergraph.engine.resolve import FROM_BOUND, FROM_DEFAULT, FROM_INNER

__all__ = ["Inlining", "NestedCall", "Writer", "call_expression"]

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


class Writer:
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
            call = call_expression(self.constant(p.func), p.func, arguments)
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
        ``p`` itself, and fails the call at ``position``. The inner values live in locals of
        their own, which :meth:`CompiledRun.failed_state` never reads: a failed GraphNode adds
        nothing to the outer state, as on the general path. Past ``_INLINE_DEPTH`` levels the
        inner run is called through ``nested`` instead (whose run is compiled the same way), so
        a graph nested hundreds of levels deep costs a few frames per hundred levels.
        """
        if self.inline is None:
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
        static = static_run(plan, keys, selected, on_missing)
        if static is None:
            return False
        order, produced, names = static
        to_outer = p.node._to_outer
        returned = {to_outer[n] for n in names if (n in produced or n in keys) and n in to_outer}
        if returned != set(p.data_outputs):  # an output left unset: ``values`` knows
            return False
        if depth > _INLINE_DEPTH:
            if not _runs_every_node(graph):  # a gate below may leave an output unset
                return False
            self._nested_outputs(p, arguments, local, position, notes)
            return True
        mark = (len(self.lines), len(self.namespace), self.count)
        inner = dict(arguments)  # inner name -> local variable or constant
        if not self._inner_body(plan, order, inner, position, notes, depth):
            self._rewind(mark)
            return False
        exposed = {to_outer[n]: inner[n] for n in names if n in inner and n in to_outer}
        for name, value in exposed.items():
            local[name] = self.fresh()
            self.lines.append(f"    {local[name]} = {value}")
        return True

    def _nested_outputs(
        self,
        p: NodePlan,
        arguments: list[tuple[str, str]],
        local: dict[str, str],
        position: int,
        notes: tuple[tuple[str, str | None], ...],
    ) -> None:
        """Write GraphNode ``p``'s call through ``nested`` inside an inline run, binding each
        output it declares to a new local (its inner run returns them all: it is static, and no
        gate inside can leave one unset)."""
        given = ", ".join(f"{param!r}: {value}" for param, value in arguments)
        self.lines.append("    try:")
        self.lines.append(f"        out = nested({self.constant(p)}, ctx, {{{given}}})")
        for name in p.data_outputs:
            local[name] = self.fresh()
            self.lines.append(f"        {local[name]} = out[{name!r}]")
        self.handler(position, notes)

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


def _runs_every_node(graph: Any) -> bool:
    """Whether a run of ``graph`` runs every node at every depth (no gate, interrupt, emit or
    wait_for anywhere inside), so that each GraphNode in it returns every output it declares."""
    return not any(
        node.node_type == "BRANCH" or node.is_interrupt or node.wait_for
        or node.outputs != node.data_outputs  # emits a signal
        for node in nodes_at_every_depth(graph)
    )  # fmt: skip


def call_expression(function: str, func: Any, arguments: list[tuple[str, str]]) -> str:
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
