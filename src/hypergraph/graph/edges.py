"""Building the networkx graph of a :class:`~hypergraph.graph.Graph`: nodes, then edges.

Three kinds of edges exist (docs/guides/graphs.md), each stored as ``edge_type`` on the networkx
edge:

* ``"data"`` — a value flows from producer to consumer; ``value_names`` lists the names.
  Inferred by matching output names to parameter names, or declared with ``edges=[...]``.
* ``"control"`` — a gate may activate its target (``value_names == []``).
* ``"ordering"`` — a ``wait_for`` name produced (as output or emit signal) by another node.

Nodes are treated through the public ``HyperNode`` members only (docs/reference/nodes.md) (``name``,
``inputs``, ``data_outputs``, ``outputs``, ``wait_for``, ``node_type``, ``targets``) so this module
never imports node classes.
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
    "build_nx_graph",
    "data_producers",
    "is_gate",
    "any_producers",
]


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


def build_nx_graph(
    nodes: Mapping[str, HyperNode], explicit_edges: Sequence[Any] | None
) -> nx.DiGraph[str]:
    """Return the (unfrozen) DiGraph of ``nodes`` with data, control and ordering edges.

    ``explicit_edges=None`` infers data edges by name; a sequence replaces inference by the
    declared edges (control and ordering edges are added either way).
    """
    graph: nx.DiGraph[str] = nx.DiGraph()
    for name, node in nodes.items():
        # ``parent`` is None at this level; Graph.to_flat_graph() fills it for nested nodes.
        graph.add_node(name, **{**node.nx_attrs, "parent": None})
    if explicit_edges is None:
        _add_inferred_data_edges(graph, nodes)
    else:
        _add_explicit_edges(graph, nodes, explicit_edges)
    _add_control_edges(graph, nodes)
    _add_ordering_edges(graph, nodes)
    return graph


def _add_data_edge(graph: nx.DiGraph[str], source: str, target: str, names: Iterable[str]) -> None:
    """Add a data edge or merge ``names`` into an existing edge of the pair."""
    names = list(names)
    if graph.has_edge(source, target):
        attrs = graph.edges[source, target]
        attrs["edge_type"] = "data"
        for value in names:
            if value not in attrs["value_names"]:
                attrs["value_names"].append(value)
    else:
        graph.add_edge(source, target, edge_type="data", value_names=names)


def _add_inferred_data_edges(graph: nx.DiGraph[str], nodes: Mapping[str, HyperNode]) -> None:
    # With several producers of a name the edge comes from the first one in node order; the
    # engine resolves values by name, so the edge records dependency, not the only source.
    first_producer = {name: sources[0] for name, sources in data_producers(nodes).items()}
    for consumer, node in nodes.items():
        for param in node.inputs:
            source = first_producer.get(param)
            if source is not None:
                _add_data_edge(graph, source, consumer, [param])


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
    graph: nx.DiGraph[str], nodes: Mapping[str, HyperNode], edges: Sequence[Any]
) -> None:
    if isinstance(edges, (str, bytes)) or not isinstance(edges, Iterable):
        raise GraphConfigError(
            f"edges must be a list of 2-tuple or 3-tuple items, got {type(edges).__name__}."
        )
    for item in edges:
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
            _add_data_edge(graph, source, target, values)
        elif not graph.has_edge(source, target):
            # Nothing flows between the pair: the declaration only orders them.
            graph.add_edge(source, target, edge_type="ordering", value_names=[])


def _add_control_edges(graph: nx.DiGraph[str], nodes: Mapping[str, HyperNode]) -> None:
    for name, node in nodes.items():
        if not is_gate(node):
            continue
        for target in node.targets:
            # Non-string targets are END; unknown and self targets are reported by validation.
            known = isinstance(target, str) and target in nodes and target != name
            if known and not graph.has_edge(name, target):
                graph.add_edge(name, target, edge_type="control", value_names=[])


def _add_ordering_edges(graph: nx.DiGraph[str], nodes: Mapping[str, HyperNode]) -> None:
    producers = any_producers(nodes)
    for waiter, node in nodes.items():
        for signal in node.wait_for:
            for producer in producers.get(signal, ()):
                if producer != waiter and not graph.has_edge(producer, waiter):
                    graph.add_edge(producer, waiter, edge_type="ordering", value_names=[signal])
