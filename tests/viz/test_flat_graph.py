"""``Graph.to_flat_graph()`` and the node attributes of ``Graph.nx_graph``."""

from __future__ import annotations

import viz_graphs as graphs

from hypergraph import Graph


def test_nx_graph_nodes_carry_kind_label_inputs_outputs_and_no_parent() -> None:
    attrs = graphs.dag().nx_graph.nodes["count_tokens"]
    assert attrs["node_type"] == "FUNCTION"
    assert attrs["label"] == "count_tokens"
    assert attrs["inputs"] == ("tokens", "minimum")
    assert attrs["outputs"] == ("count",)
    assert attrs["parent"] is None


def test_flat_graph_expands_nested_graphs_with_path_ids_and_parents() -> None:
    flat = graphs.nested().to_flat_graph()
    assert dict(flat.nodes(data="parent")) == {
        "counter": None,
        "counter/tokenize": "counter",
        "counter/count_tokens": "counter",
        "report": None,
    }
    assert flat.nodes["counter"]["node_type"] == "GRAPH"
    assert flat.nodes["counter/tokenize"]["node_type"] == "FUNCTION"
    assert flat.edges["counter/tokenize", "counter/count_tokens"] == {
        "edge_type": "data",
        "value_names": ["tokens"],
    }
    assert flat.edges["counter", "report"] == {"edge_type": "data", "value_names": ["count"]}


def test_flat_graph_of_two_levels_names_the_enclosing_graph_node() -> None:
    middle = Graph([graphs.nested().as_node(name="middle")])
    flat = middle.to_flat_graph()
    assert flat.nodes["middle/counter/tokenize"]["parent"] == "middle/counter"
    assert flat.nodes["middle/counter"]["parent"] == "middle"
    assert flat.nodes["middle"]["parent"] is None


def test_flat_graph_keeps_control_and_ordering_edges_and_signals_are_not_data() -> None:
    ordered = Graph([Graph([graphs.save, graphs.log], name="inner").as_node()]).to_flat_graph()
    assert ordered.edges["inner/save", "inner/log"] == {
        "edge_type": "ordering",
        "value_names": ["done"],
    }
    assert ordered.nodes["inner/save"]["data_outputs"] == ("saved",)
    assert "done" in ordered.nodes["inner/save"]["outputs"]
    branch = graphs.branch().to_flat_graph()
    assert branch.edges["is_loud", "shout"]["edge_type"] == "control"
    assert branch.nodes["is_loud"]["branch_data"]["targets"] == ["shout", "whisper"]


def test_flat_graph_records_inputs_and_output_sources() -> None:
    flat = graphs.nested().bind(minimum=3).to_flat_graph()
    assert flat.graph["input_spec"] == {
        "required": ("text",),
        "optional": ("minimum",),
        "entrypoints": {},
        "bound": {"minimum": 3},
    }
    assert flat.graph["output_to_sources"] == {
        "tokens": ["counter", "counter/tokenize"],
        "count": ["counter", "counter/count_tokens"],
        "report": ["report"],
    }


def test_flat_graph_is_a_new_mutable_graph() -> None:
    graph = graphs.dag()
    flat = graph.to_flat_graph()
    flat.add_node("extra")
    assert "extra" not in graph.nx_graph
    assert "extra" not in graph.to_flat_graph()
