"""Public graph signatures, compared parameter by parameter with the documented API
(docs/reference/graph.md)."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from hypergraph import Graph, InputSpec
from hypergraph.graph.input_spec import compute_input_spec
from hypergraph.graph.validation import validate_graph

POS = inspect.Parameter.POSITIONAL_OR_KEYWORD
KW = inspect.Parameter.KEYWORD_ONLY
VAR_POS = inspect.Parameter.VAR_POSITIONAL
VAR_KW = inspect.Parameter.VAR_KEYWORD
EMPTY = inspect.Parameter.empty


def _shape(func: Any) -> list[tuple[str, Any, Any]]:
    """(name, kind, default) of every parameter except ``self``."""
    return [
        (p.name, p.kind, p.default)
        for p in inspect.signature(func).parameters.values()
        if p.name != "self"
    ]


def test_graph_constructor_matches_the_spec():
    assert _shape(Graph.__init__) == [
        ("nodes", POS, EMPTY),
        ("edges", KW, None),
        ("name", KW, None),
        ("strict_types", KW, False),
        ("trace_io", KW, False),  # tracing of node inputs/outputs (issue 15)
    ]


def test_derivation_methods_match_the_spec():
    assert _shape(Graph.bind) == [("values", VAR_KW, EMPTY)]
    assert _shape(Graph.unbind) == [("keys", VAR_POS, EMPTY)]
    assert _shape(Graph.select) == [("names", VAR_POS, EMPTY)]
    assert _shape(Graph.with_entrypoint) == [("node_names", VAR_POS, EMPTY)]
    assert _shape(Graph.add_nodes) == [("nodes", VAR_POS, EMPTY)]
    assert _shape(Graph.as_node) == [("name", KW, None)]


def test_input_spec_is_a_frozen_dataclass_with_the_spec_fields():
    assert dataclasses.is_dataclass(InputSpec)
    assert InputSpec.__dataclass_params__.frozen
    assert [f.name for f in dataclasses.fields(InputSpec)] == [
        "required",
        "optional",
        "entrypoints",
        "bound",
    ]


def test_internal_helpers_keep_their_documented_signatures():
    assert _shape(compute_input_spec) == [
        ("nodes", POS, EMPTY),
        ("nx_graph", POS, EMPTY),
        ("bound", POS, EMPTY),
        ("entrypoints", KW, None),
        ("selected", KW, None),
    ]
    assert _shape(validate_graph) == [
        ("nodes", POS, EMPTY),
        ("edges", POS, EMPTY),
        ("graph_name", POS, EMPTY),
        ("strict_types", POS, EMPTY),
    ]
