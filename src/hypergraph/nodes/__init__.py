"""Nodes: what a step of a graph is — its name, inputs, outputs, defaults and renames.

``@node`` wraps a function, ``@route`` / ``@ifelse`` make gates that choose what runs next,
``@interrupt`` marks a point where a person may answer, and ``Graph.as_node()`` nests a graph.
"""

from hypergraph.exceptions import RenameError
from hypergraph.nodes.base import HyperNode, RenameEntry
from hypergraph.nodes.function import FunctionNode, node
from hypergraph.nodes.gates import END, GateNode, IfElseNode, RouteNode, ifelse, route
from hypergraph.nodes.graph_node import GraphNode
from hypergraph.nodes.interrupt import InterruptNode, interrupt

__all__ = [
    "HyperNode",
    "RenameEntry",
    "RenameError",
    "FunctionNode",
    "GraphNode",
    "GateNode",
    "IfElseNode",
    "RouteNode",
    "InterruptNode",
    "node",
    "ifelse",
    "route",
    "interrupt",
    "END",
]
