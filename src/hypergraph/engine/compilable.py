"""Which runs of a plan can be compiled into one generated function (engine/compiled.py).

A run compiles when its schedule is static (engine/static.py) and every node it calls can be
called from generated code exactly as the general path calls it: a plain uncached sync function
or a GraphNode whose graph cannot pause. :func:`static_run` answers for one key set and output
selection.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypergraph.engine.kinds import NodeKind
from hypergraph.engine.plan import ExecutionPlan, NodePlan
from hypergraph.engine.static import static_levels

__all__ = ["nodes_at_every_depth", "static_run"]


def _compilable(p: NodePlan) -> bool:
    """Whether node ``p`` can be called from generated code exactly like the general path."""
    if p.guarded or p.emits or p.wait_for:
        return False
    if p.kind is NodeKind.FUNCTION:
        return p.plain_call
    if p.kind is NodeKind.GRAPH:
        return not _may_pause(p.node.graph)
    return False


def nodes_at_every_depth(graph: Any) -> Iterator[Any]:
    """Every node of ``graph`` and of the graphs nested in it, at any depth (no recursion:
    graphs may nest hundreds of levels deep)."""
    pending = [graph]
    while pending:
        for node in pending.pop().iter_nodes():
            yield node
            inner = node.nested_graph
            if inner is not None:
                pending.append(inner)


def _may_pause(graph: Any) -> bool:
    """Whether a run of ``graph`` could pause (an interrupt at any depth)."""
    return any(node.is_interrupt for node in nodes_at_every_depth(graph))


def _schedule(plan: ExecutionPlan, keys: frozenset[str]) -> tuple[NodePlan, ...] | None:
    """The nodes of a static run of ``plan`` from ``keys`` in call order, if all compile."""
    levels = static_levels(plan, keys)
    if not isinstance(levels, tuple):
        return None
    order = tuple(plan.nodes[i] for level in levels for i in level)
    if not all(_compilable(p) for p in order):
        return None
    return order


def static_run(
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
