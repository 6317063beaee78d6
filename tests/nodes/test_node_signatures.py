"""Public node signatures, compared parameter by parameter with the documented API
(docs/reference/nodes.md).

Users port node definitions between libraries sharing this API, so parameter names, order,
kinds and defaults must match the documented API exactly.
"""

from __future__ import annotations

import inspect
from typing import Any

from hypergraph import (
    FunctionNode,
    GraphNode,
    HyperNode,
    IfElseNode,
    InterruptNode,
    RouteNode,
    ifelse,
    interrupt,
    node,
    route,
)
from hypergraph.nodes import RenameEntry

POS_ONLY = inspect.Parameter.POSITIONAL_ONLY
POS = inspect.Parameter.POSITIONAL_OR_KEYWORD
KW = inspect.Parameter.KEYWORD_ONLY
VAR_POS = inspect.Parameter.VAR_POSITIONAL
VAR_KW = inspect.Parameter.VAR_KEYWORD
EMPTY = inspect.Parameter.empty

SIGNAL_OPTIONS = [("emit", KW, None), ("wait_for", KW, None)]
# Retries, timeouts and tracing (issue 15): gates are synchronous, so they take no timeout.
ATTEMPT_OPTIONS = [("retry", KW, None), ("timeout", KW, None), ("trace_io", KW, None)]
GATE_ATTEMPT_OPTIONS = [("retry", KW, None), ("trace_io", KW, None)]
FUNCTION_NODE_OPTIONS = [
    ("rename_inputs", KW, None),
    ("cache", KW, False),
    ("hide", KW, False),
    *SIGNAL_OPTIONS,
    *ATTEMPT_OPTIONS,
]
GATE_OPTIONS = [
    ("cache", KW, False),
    ("hide", KW, False),
    ("default_open", KW, True),
    ("name", KW, None),
    ("rename_inputs", KW, None),
    *SIGNAL_OPTIONS,
    *GATE_ATTEMPT_OPTIONS,
]


def _shape(func: Any) -> list[tuple[str, Any, Any]]:
    """(name, kind, default) of every parameter except ``self``."""
    return [
        (p.name, p.kind, p.default)
        for p in inspect.signature(func).parameters.values()
        if p.name != "self"
    ]


def test_function_node_and_node_decorator_match_the_spec():
    assert _shape(FunctionNode.__init__) == [
        ("source", POS, EMPTY),
        ("name", POS, None),
        ("output_name", POS, None),
        *FUNCTION_NODE_OPTIONS,
    ]
    assert _shape(node) == [
        ("source", POS, None),
        ("output_name", POS, None),
        *FUNCTION_NODE_OPTIONS,
    ]


def test_interrupt_node_and_decorator_match_the_spec():
    # Interrupts take FunctionNode's options except the attempt ones (a pause is not retried).
    assert _shape(InterruptNode.__init__) == _shape(FunctionNode.__init__)[: -len(ATTEMPT_OPTIONS)]
    assert _shape(interrupt) == [
        ("output_name", POS, EMPTY),
        ("rename_inputs", KW, None),
        ("cache", KW, False),
        ("emit", KW, None),
        ("wait_for", KW, None),
        ("hide", KW, False),
    ]


def test_route_node_and_route_decorator_match_the_spec():
    route_options = [("fallback", KW, None), ("multi_target", KW, False), *GATE_OPTIONS]
    assert _shape(RouteNode.__init__) == [
        ("func", POS, EMPTY),
        ("targets", POS, EMPTY),
        *route_options,
    ]
    assert _shape(route) == [("targets", POS, EMPTY), *route_options]


def test_ifelse_node_and_ifelse_decorator_match_the_spec():
    branches = [("when_true", POS, EMPTY), ("when_false", POS, EMPTY)]
    assert _shape(IfElseNode.__init__) == [("func", POS, EMPTY), *branches, *GATE_OPTIONS]
    assert _shape(ifelse) == [*branches, *GATE_OPTIONS]


def test_graph_node_and_map_over_match_the_spec():
    assert _shape(GraphNode.__init__) == [("graph", POS, EMPTY), ("name", POS, None)]
    assert _shape(GraphNode.map_over) == [
        ("params", VAR_POS, EMPTY),
        ("mode", KW, "zip"),
        ("error_handling", KW, "raise"),
        ("clone", KW, False),
    ]


def test_rename_methods_take_a_positional_only_mapping_and_keywords():
    assert _shape(HyperNode.with_name) == [("name", POS, EMPTY)]
    for method in (HyperNode.with_inputs, HyperNode.with_outputs):
        assert _shape(method) == [("mapping", POS_ONLY, None), ("kwargs", VAR_KW, EMPTY)]


def test_rename_entry_fields_match_the_spec():
    assert _shape(RenameEntry) == [
        ("kind", POS, EMPTY),
        ("old", POS, EMPTY),
        ("new", POS, EMPTY),
        ("batch_id", POS, None),
    ]
