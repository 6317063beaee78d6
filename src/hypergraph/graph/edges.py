"""The edges of a :class:`~hypergraph.graph.Graph`, and the networkx graph built from them.

Three kinds of edges exist (docs/guides/graphs.md), each stored as ``edge_type`` on the edge:

* ``"data"`` — a value flows from producer to consumer; ``value_names`` lists the names.
  Inferred by matching output names to parameter names, or declared with ``edges=[...]``.
* ``"control"`` — a gate may activate its target (``value_names == []``).
* ``"ordering"`` — a ``wait_for`` name produced (as output or emit signal) by another node.

Nodes are treated through the public ``HyperNode`` members only (docs/reference/nodes.md) (``name``,
``inputs``, ``data_outputs``, ``outputs``, ``wait_for``, ``node_type``, ``targets``) so this module
never imports node classes.

Edges are worked out as a plain ``{(source, target): {"edge_type", "value_names"}}`` dict
(:data:`Edges`, in creation order): building a graph and validating it needs nothing more, and
the networkx graph (:func:`to_nx_graph`) is only built when a property asks for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard

import networkx as nx

from hypergraph._short_repr import short_repr
from hypergraph.exceptions import GraphConfigError

if TYPE_CHECKING:
    from hypergraph.nodes.base import HyperNode
    from hypergraph.nodes.gates import GateNode

__all__ = [
    "Edges",
    "build_edges",
    "build_nx_graph",
    "data_producers",
    "edges_in_node_order",
    "is_gate",
    "any_producers",
    "to_nx_graph",
]

# (source, target) -> {"edge_type": ..., "value_names": [...]}, in the order edges were created.
Edges = dict[tuple[str, str], dict[str, Any]]


def is_gate(node: HyperNode) -> TypeGuard[GateNode]:
    """True for routing nodes (``@ifelse`` / ``@route``), which decide but produce no data."""
    return node.node_type == "BRANCH"


def data_producers(nodes: Mapping[str, HyperNode]) -> dict[str, list[str]]:
    """Map each data output name to the names of the nodes producing it, in node order."""
    producers: dict[str, list[str]] = {}
    for name, node in nodes.items():
        for output in node.data_outputs:
            producers.setdefault(output, []).append(name)
    return producers


def any_producers(nodes: Mapping[str, HyperNode]) -> dict[str, list[str]]:
    """Map every output name, emit signals included, to its producers in node order."""
    producers: dict[str, list[str]] = {}
    for name, node in nodes.items():
        for output in node.outputs:
            producers.setdefault(output, []).append(name)
    return producers


def build_edges(
    nodes: Mapping[str, HyperNode],
    explicit_edges: Sequence[Any] | None,
    producers: Mapping[str, list[str]] | None = None,
    signal_producers: Mapping[str, list[str]] | None = None,
) -> Edges:
    """Return the data, control and ordering edges of ``nodes``.

    ``explicit_edges=None`` infers data edges by name; a sequence replaces inference by the
    declared edges (control and ordering edges are added either way). ``producers`` and
    ``signal_producers`` are :func:`data_producers` and :func:`any_producers` of ``nodes``
    when the caller has them already.
    """
    edges: Edges = {}
    if explicit_edges is None:
        _add_inferred_data_edges(edges, nodes, producers)
    else:
        _add_explicit_edges(edges, nodes, explicit_edges)
    _add_control_edges(edges, nodes)
    _add_ordering_edges(edges, nodes, signal_producers)
    return edges


def to_nx_graph(nodes: Mapping[str, HyperNode], edges: Edges) -> nx.DiGraph[str]:
    """The (unfrozen) DiGraph of ``nodes`` and ``edges``: node attributes are ``nx_attrs``."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    for name, node in nodes.items():
        # ``parent`` is None at this level; Graph.to_flat_graph() fills it for nested nodes.
        graph.add_node(name, **{**node.nx_attrs, "parent": None})
    graph.add_edges_from(
        (
            source,
            target,
            {"edge_type": attrs["edge_type"], "value_names": list(attrs["value_names"])},
        )
        for (source, target), attrs in edges.items()
    )
    return graph


def build_nx_graph(
    nodes: Mapping[str, HyperNode], explicit_edges: Sequence[Any] | None
) -> nx.DiGraph[str]:
    """Return the (unfrozen) DiGraph of ``nodes`` with data, control and ordering edges."""
    return to_nx_graph(nodes, build_edges(nodes, explicit_edges))


def edges_in_node_order(
    nodes: Mapping[str, HyperNode], edges: Edges
) -> list[tuple[str, str, dict[str, Any]]]:
    """``(source, target, attrs)`` in the order ``nx_graph.edges(data=True)`` lists them:
    by source in node order, then in creation order."""
    position = {name: i for i, name in enumerate(nodes)}
    ordered = sorted(edges.items(), key=lambda item: position[item[0][0]])
    return [(source, target, attrs) for (source, target), attrs in ordered]


def _add_data_edge(edges: Edges, source: str, target: str, names: Iterable[str]) -> None:
    """Add a data edge or merge ``names`` into an existing edge of the pair."""
    names = list(names)
    attrs = edges.get((source, target))
    if attrs is not None:
        attrs["edge_type"] = "data"
        for value in names:
            if value not in attrs["value_names"]:
                attrs["value_names"].append(value)
    else:
        edges[source, target] = {"edge_type": "data", "value_names": names}


def _add_inferred_data_edges(
    edges: Edges, nodes: Mapping[str, HyperNode], producers: Mapping[str, list[str]] | None
) -> None:
    # With several producers of a name the edge comes from the first one in node order; the
    # engine resolves values by name, so the edge records dependency, not the only source.
    if producers is None:
        producers = data_producers(nodes)
    first_producer = {name: sources[0] for name, sources in producers.items()}
    for consumer, node in nodes.items():
        for param in node.inputs:
            source = first_producer.get(param)
            if source is None:
                continue
            # Only data edges exist yet: one per pair, listing the names it carries.
            attrs = edges.get((source, consumer))
            if attrs is None:
                edges[source, consumer] = {"edge_type": "data", "value_names": [param]}
            elif param not in attrs["value_names"]:
                attrs["value_names"].append(param)


def _endpoint_name(end: Any, nodes: Mapping[str, HyperNode], role: str, item: Any) -> str:
    """Resolve an edge end (node object or name) to a node name of this graph."""
    name = end if isinstance(end, str) else getattr(end, "name", None)
    if not isinstance(name, str) or name not in nodes:
        shown = name if isinstance(name, str) else repr(end)
        raise GraphConfigError(
            f"Edge {short_repr(item)} has an unknown {role} '{shown}'. Known nodes: {list(nodes)}. "
            "Use a node object or the name of a node in this graph."
        )
    return name


def _declared_values(values: Any, item: Any) -> list[str]:
    if isinstance(values, str):
        return [values]
    if isinstance(values, (list, tuple)) and all(isinstance(v, str) for v in values):
        return list(values)
    raise GraphConfigError(
        f"Edge {short_repr(item)}: the third element must be a value name or a list of value "
        f"names, got {short_repr(values)}."
    )


def _add_explicit_edges(
    edges: Edges, nodes: Mapping[str, HyperNode], declared: Sequence[Any]
) -> None:
    if isinstance(declared, (str, bytes)) or not isinstance(declared, Iterable):
        raise GraphConfigError(
            f"edges must be a list of 2-tuple or 3-tuple items, got {type(declared).__name__}."
        )
    for item in declared:
        if not isinstance(item, tuple) or len(item) not in (2, 3):
            raise GraphConfigError(
                "Each edge must be a 2-tuple or 3-tuple (source, target[, values]), got "
                f"{short_repr(item)}."
            )
        source = _endpoint_name(item[0], nodes, "source", item)
        target = _endpoint_name(item[1], nodes, "target", item)
        source_node, target_node = nodes[source], nodes[target]
        if len(item) == 3:
            values = _declared_values(item[2], item)
            for value in values:
                if value not in source_node.outputs:
                    raise GraphConfigError(
                        f"Edge {short_repr(item)}: '{value}' is not an output of '{source}'. Its "
                        f"outputs are {tuple(source_node.outputs)}."
                    )
                if value not in target_node.inputs:
                    raise GraphConfigError(
                        f"Edge {short_repr(item)}: '{value}' is not an input of '{target}'. Its "
                        f"inputs are {tuple(target_node.inputs)}."
                    )
        else:
            values = [o for o in source_node.outputs if o in target_node.inputs]
        if values:
            _add_data_edge(edges, source, target, values)
        elif (source, target) not in edges:
            # Nothing flows between the pair: the declaration only orders them.
            edges[source, target] = {"edge_type": "ordering", "value_names": []}


def _add_control_edges(edges: Edges, nodes: Mapping[str, HyperNode]) -> None:
    for name, node in nodes.items():
        if not is_gate(node):
            continue
        for target in node.targets:
            # Non-string targets are END; unknown and self targets are reported by validation.
            known = isinstance(target, str) and target in nodes and target != name
            if known and (name, target) not in edges:
                edges[name, target] = {"edge_type": "control", "value_names": []}


def _add_ordering_edges(
    edges: Edges, nodes: Mapping[str, HyperNode], producers: Mapping[str, list[str]] | None
) -> None:
    for waiter, node in nodes.items():
        if not node.wait_for:
            continue
        if producers is None:
            producers = any_producers(nodes)
        for signal in node.wait_for:
            for producer in producers.get(signal, ()):
                if producer != waiter and (producer, waiter) not in edges:
                    edges[producer, waiter] = {"edge_type": "ordering", "value_names": [signal]}
