"""What a graph needs from its caller: ``InputSpec`` and ``compute_input_spec``
(docs/guides/graphs.md).

A parameter of an active node is a graph input unless a data edge inside the active scope
produces it. Inputs split into *required* (nothing to fall back on), *optional* (bound, or a
default on some consumer) and *entrypoint* parameters: values circulating in a cycle, of which
the caller supplies one entry per cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx

from hypergraph.graph.edges import is_gate
from hypergraph.graph.structure import cyclic_components

if TYPE_CHECKING:
    from hypergraph.nodes.base import HyperNode

__all__ = ["InputSpec", "active_node_names", "compute_input_spec"]


@dataclass(frozen=True)
class InputSpec:
    """The inputs of a graph (or of its active scope), derived from its nodes and edges.

    ``required``: must be supplied; ``optional``: bound or defaulted; ``entrypoints``: per cycle
    member, the cycle values to supply to start the cycle there; ``bound``: the graph's own
    bindings plus those of nested graphs.
    """

    required: tuple[str, ...]
    optional: tuple[str, ...]
    entrypoints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bound: dict[str, Any] = field(default_factory=dict)

    @property
    def all(self) -> tuple[str, ...]:
        """Required, then optional, then entrypoint parameters, without duplicates."""
        names = [*self.required, *self.optional]
        for params in self.entrypoints.values():
            names.extend(params)
        return tuple(dict.fromkeys(names))


def active_node_names(
    nodes: Mapping[str, HyperNode],
    nx_graph: nx.DiGraph[str],
    *,
    entrypoints: Iterable[str] | None = None,
    selected: Iterable[str] | None = None,
) -> set[str]:
    """The nodes that count for inputs (and, for entrypoints, for execution): rule 1 of
    docs/guides/graphs.md, graph.inputs.

    Entrypoints keep the entry nodes and everything downstream of them. A selection then keeps,
    within that, the nodes needed backwards by the producers of the selected names; a needed
    gate also keeps all its targets and their descendants, because whether they run is decided
    only while the graph runs.
    """
    scope = set(nodes)
    if entrypoints:
        scope = set()
        for entry in entrypoints:
            scope.add(entry)
            scope |= nx.descendants(nx_graph, entry)
    if selected is None:
        return scope
    wanted = set(selected)
    sub = nx_graph.subgraph(scope)
    needed: set[str] = set()
    for name in scope:
        if wanted.intersection(nodes[name].outputs):
            needed.add(name)
            needed |= nx.ancestors(sub, name)
    pulled: set[str] = set()
    for name in needed:
        gate = nodes[name]
        if is_gate(gate):
            for target in gate.targets:
                if isinstance(target, str) and target in scope:
                    pulled.add(target)
                    pulled |= nx.descendants(sub, target)
    return needed | pulled


def _data_edges(nx_graph: nx.DiGraph[str], scope: set[str]) -> list[tuple[str, str, list[str]]]:
    return [
        (source, target, attrs["value_names"])
        for source, target, attrs in nx_graph.edges(data=True)
        if attrs["edge_type"] == "data" and source in scope and target in scope
    ]


def _entrypoints(
    nodes: Mapping[str, HyperNode],
    nx_graph: nx.DiGraph[str],
    scope: set[str],
    bound: Mapping[str, Any],
) -> dict[str, tuple[str, ...]]:
    interrupt_outputs = {
        o for name in scope if nodes[name].is_interrupt for o in nodes[name].data_outputs
    }
    entries: dict[str, tuple[str, ...]] = {}
    for component in cyclic_components(nodes, nx_graph, scope):
        produced = {o for member in component for o in nodes[member].data_outputs}
        for member in sorted(component):
            node = nodes[member]
            if is_gate(node):
                continue
            needed = tuple(
                p
                for p in node.inputs
                if p in produced
                and p not in bound
                and p not in interrupt_outputs
                and not node.has_default_for(p)
            )
            if needed:
                entries[member] = needed
    return entries


def _nested_bindings(
    nodes: Mapping[str, HyperNode], scope: set[str], internal: set[str]
) -> dict[str, Any]:
    """Bindings of nested graphs, under the names their GraphNodes expose."""
    merged: dict[str, Any] = {}
    for name in nodes:
        node = nodes[name]
        inner = node.nested_graph
        if name not in scope or inner is None:
            continue
        inner_bound = inner.inputs.bound
        if not inner_bound:
            continue
        for outer_name in node.inputs:
            if outer_name in internal or outer_name in merged:
                continue
            (inner_name,) = node.map_inputs_to_params({outer_name: None})
            if inner_name in inner_bound:
                merged[outer_name] = inner_bound[inner_name]
    return merged


def compute_input_spec(
    nodes: Mapping[str, HyperNode],
    nx_graph: nx.DiGraph[str],
    bound: Mapping[str, Any],
    *,
    entrypoints: Iterable[str] | None = None,
    selected: Iterable[str] | None = None,
) -> InputSpec:
    """Derive the :class:`InputSpec` of ``nodes`` for the given bindings and scope.

    ``bound`` holds the graph's own bindings; ``entrypoints`` (node names) and ``selected``
    (output names) narrow the active scope as ``with_entrypoint`` / ``select`` do.
    """
    scope = active_node_names(nodes, nx_graph, entrypoints=entrypoints, selected=selected)
    data_edges = _data_edges(nx_graph, scope)
    edge_produced = {v for _, _, names in data_edges for v in names}
    entries = _entrypoints(nodes, nx_graph, scope, bound)
    entry_params = {p for params in entries.values() for p in params}

    required: dict[str, None] = {}
    optional: dict[str, None] = {}
    for name in nodes:  # node order, then parameter order
        if name not in scope:
            continue
        node = nodes[name]
        for param in node.inputs:
            if param in edge_produced or param in entry_params:
                continue
            if param in bound or node.has_default_for(param):
                optional[param] = None
                required.pop(param, None)
            elif param not in optional:
                required[param] = None

    # A parameter is optional if *any* consumer can fall back on something; the loop above
    # may have seen a non-defaulted consumer first, so the pop keeps first-occurrence order.
    internal = edge_produced | entry_params
    all_bound = {**_nested_bindings(nodes, scope, internal), **bound}
    return InputSpec(
        required=tuple(required),
        optional=tuple(optional),
        entrypoints=entries,
        bound=all_bound,
    )
