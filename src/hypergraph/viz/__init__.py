"""Pictures of graphs: Mermaid text, an interactive offline HTML page, a flat networkx graph.

The core never imports this package at import time; ``Graph.to_mermaid``, ``Graph.visualize``
and ``Graph.to_flat_graph`` import it when called. Everything here only reads graph facts.
"""

from hypergraph.viz.flat import to_flat_graph
from hypergraph.viz.html import GraphView, visualize
from hypergraph.viz.mermaid import MermaidDiagram, to_mermaid

__all__ = ["GraphView", "MermaidDiagram", "to_flat_graph", "to_mermaid", "visualize"]
