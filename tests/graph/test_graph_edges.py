"""Edges of a graph (docs/guides/graphs.md): inferred data edges, control, ordering and explicit
edges."""

from __future__ import annotations

import pytest

from hypergraph import END, Graph, GraphConfigError, ifelse, node, route


@node(output_name="y")
def make_y(x: int) -> int:
    return x + 1


@node(output_name="z")
def use_y(y: int) -> int:
    return y * 2


@node(output_name=("left", "right"))
def split(text: str) -> tuple[str, str]:
    return text[:1], text[1:]


@node(output_name="joined")
def join(left: str, right: str) -> str:
    return left + right


def edge_data(graph: Graph) -> dict[tuple[str, str], dict]:
    return {(s, t): attrs for s, t, attrs in graph.nx_graph.edges(data=True)}


def test_consumer_of_an_output_gets_one_data_edge_with_the_value_name():
    graph = Graph([make_y, use_y])
    assert edge_data(graph) == {("make_y", "use_y"): {"edge_type": "data", "value_names": ["y"]}}


def test_all_names_between_a_pair_share_one_edge():
    graph = Graph([split, join])
    edges = edge_data(graph)
    assert list(edges) == [("split", "join")]
    assert edges["split", "join"]["value_names"] == ["left", "right"]


def test_empty_graph_has_no_nodes_outputs_or_leaf_outputs():
    graph = Graph([])
    assert graph.nodes == {}
    assert graph.outputs == ()
    assert graph.leaf_outputs == ()
    assert graph.nx_graph.number_of_nodes() == 0


def test_node_consuming_its_own_output_gets_a_self_loop():
    @node(output_name="x")
    def grow(x: int) -> int:
        return x + 1

    graph = Graph([grow])
    assert edge_data(graph)["grow", "grow"]["value_names"] == ["x"]
    assert graph.has_cycles


def test_networkx_nodes_carry_the_node_attributes():
    graph = Graph([make_y, use_y])
    attrs = graph.nx_graph.nodes["make_y"]
    assert attrs["node_type"] == "FUNCTION"
    assert attrs["inputs"] == ("x",)
    assert attrs["outputs"] == ("y",)


def test_gate_gets_control_edges_to_targets_in_the_graph():
    @ifelse(when_true="make_y", when_false=END)
    def check(x: int) -> bool:
        return x > 0

    graph = Graph([check, make_y])
    assert edge_data(graph)["check", "make_y"] == {"edge_type": "control", "value_names": []}
    assert graph.controlled_by == {"make_y": ["check"]}


def test_wait_for_adds_an_ordering_edge_from_the_emitter():
    @node(output_name="a", emit="a_done")
    def first(x: int) -> int:
        return x

    @node(output_name="b", wait_for="a_done")
    def second(w: int) -> int:
        return w

    graph = Graph([first, second])
    assert edge_data(graph)["first", "second"] == {
        "edge_type": "ordering",
        "value_names": ["a_done"],
    }


def test_wait_for_adds_no_ordering_edge_when_a_data_edge_joins_the_pair():
    @node(output_name="a", emit="a_done")
    def first(x: int) -> int:
        return x

    @node(output_name="b", wait_for="a_done")
    def second(a: int) -> int:
        return a

    graph = Graph([first, second])
    assert edge_data(graph)["first", "second"]["edge_type"] == "data"


def test_explicit_edges_replace_name_inference():
    graph = Graph([make_y, use_y], edges=[])
    assert edge_data(graph) == {}
    assert graph.inputs.required == ("x", "y")

    @node(output_name="w")
    def other(y: int) -> int:
        return y

    graph = Graph([make_y, use_y, other], edges=[(make_y, "use_y")])
    assert edge_data(graph) == {("make_y", "use_y"): {"edge_type": "data", "value_names": ["y"]}}


def test_explicit_three_tuple_declares_values_as_str_or_list():
    graph = Graph([split, join], edges=[("split", "join", "left")])
    assert edge_data(graph)["split", "join"]["value_names"] == ["left"]
    assert graph.inputs.required == ("text", "right")

    graph = Graph([split, join], edges=[("split", "join", ["left", "right"])])
    assert edge_data(graph)["split", "join"]["value_names"] == ["left", "right"]


def test_explicit_pair_without_shared_names_is_an_ordering_edge():
    @node(output_name="w")
    def unrelated(v: int) -> int:
        return v

    graph = Graph([make_y, unrelated], edges=[("make_y", "unrelated")])
    assert edge_data(graph)["make_y", "unrelated"]["edge_type"] == "ordering"


def test_explicit_edges_still_get_control_edges():
    @route(targets=["use_y", END])
    def decide(y: int):
        return "use_y"

    graph = Graph([make_y, decide, use_y], edges=[("make_y", "decide"), ("make_y", "use_y")])
    assert edge_data(graph)["decide", "use_y"]["edge_type"] == "control"


@pytest.mark.parametrize(
    ("edges", "phrase"),
    [
        ([("make_y",)], "2-tuple or 3-tuple"),
        ([["make_y", "use_y"]], "2-tuple or 3-tuple"),
        ([("make_y", "use_y", "y", "extra")], "2-tuple or 3-tuple"),
        ([("nope", "use_y")], "unknown source"),
        ([("make_y", "nope")], "unknown target"),
        ([("make_y", "use_y", "q")], "not an output"),
        ([("split", "use_y", "left")], "not an input"),
    ],
)
def test_bad_explicit_edges_raise_graph_config_error(edges, phrase):
    with pytest.raises(GraphConfigError, match=phrase):
        Graph([make_y, use_y, split], edges=edges)


def test_inferred_edge_comes_from_the_first_of_several_exclusive_producers():
    @ifelse(when_true="fast", when_false="slow")
    def pick(x: int) -> bool:
        return x > 0

    @node(output_name="y")
    def fast(x: int) -> int:
        return x

    @node(output_name="y")
    def slow(x: int) -> int:
        return -x

    graph = Graph([pick, fast, slow, use_y])
    edges = edge_data(graph)
    assert ("fast", "use_y") in edges
    assert ("slow", "use_y") not in edges
