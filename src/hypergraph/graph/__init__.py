"""Graphs: nodes wired by name, their inputs, and build-time validation (docs/guides/graphs.md)."""

from hypergraph.exceptions import GraphConfigError
from hypergraph.graph.core import Graph
from hypergraph.graph.input_spec import InputSpec, compute_input_spec

__all__ = ["Graph", "GraphConfigError", "InputSpec", "compute_input_spec"]
