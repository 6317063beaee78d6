"""``Graph.to_flat_graph()``: one ``networkx.DiGraph`` with every nested graph expanded.

Node ids are paths: a top-level node keeps its name, a node inside the graph node ``prepare``
is ``"prepare/normalize"`` (deeper levels add more segments). Every node carries its
``nx_attrs`` plus ``parent``: ``None`` at the top level, else the id of the enclosing graph
node. Edges are each level's own edges (``edge_type``, ``value_names``), ids prefixed the
same way, so a graph node keeps its edges to its neighbours and its children are linked among
themselves. Graph attributes: ``input_spec`` (the top-level inputs as a dict) and
``output_to_sources`` (each output name → the ids of the nodes producing it, at any depth).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from hypergraph.graph import Graph

__all__ = ["to_flat_graph"]


def _add_level(flat: nx.DiGraph[str], graph: Graph, prefix: str, parent: str | None) -> None:
    sources: dict[str, list[str]] = flat.graph["output_to_sources"]
    for name, attrs in graph.nx_graph.nodes(data=True):
        node_id = prefix + name
        flat.add_node(node_id, **{**attrs, "parent": parent})
        for output in attrs["data_outputs"]:
            sources.setdefault(output, []).append(node_id)
        inner = graph.nodes[name].nested_graph
        if inner is not None:
            _add_level(flat, inner, node_id + "/", node_id)
    for source, target, attrs in graph.nx_graph.edges(data=True):
        flat.add_edge(
            prefix + source,
            prefix + target,
            edge_type=attrs["edge_type"],
            value_names=list(attrs["value_names"]),
        )


def to_flat_graph(graph: Graph) -> nx.DiGraph[str]:
    """A new ``networkx.DiGraph`` of ``graph`` with nested graphs expanded (ids ``"outer/inner"``)."""
    spec = graph.inputs
    flat: nx.DiGraph[str] = nx.DiGraph(
        input_spec={
            "required": spec.required,
            "optional": spec.optional,
            "entrypoints": dict(spec.entrypoints),
            "bound": dict(spec.bound),
        },
        output_to_sources={},
    )
    _add_level(flat, graph, "", None)
    return flat
