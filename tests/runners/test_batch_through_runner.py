"""Map planning as users meet it through ``GraphNode.map_over`` run by ``SyncRunner``."""

from __future__ import annotations

import threading

import pytest

from hypergraph import Graph, GraphConfigError, SyncRunner, node


def make_inner(seen: list[int]) -> Graph:
    @node(output_name="size")
    def measure(text: str, notes: list) -> int:
        notes.append(text)
        seen.append(id(notes))
        return len(text)

    return Graph([measure], name="inner")


def test_zip_map_over_returns_lists_in_input_order():
    graph = Graph([make_inner([]).as_node().map_over("text")])
    result = SyncRunner().run(graph, text=["aaa", "b", "cc"], notes=[])
    assert result["size"] == [3, 1, 2]


def test_product_map_over_runs_every_combination_first_name_slowest():
    @node(output_name="pair")
    def pair(a: int, b: int) -> tuple[int, int]:
        return (a, b)

    inner = Graph([pair], name="pairs")
    graph = Graph([inner.as_node().map_over("a", "b", mode="product")])
    result = SyncRunner().run(graph, a=[1, 2], b=[10, 20])
    assert result["pair"] == [(1, 10), (1, 20), (2, 10), (2, 20)]


def test_broadcast_value_is_one_shared_object_without_clone():
    seen: list[int] = []
    notes: list = []
    graph = Graph([make_inner(seen).as_node().map_over("text")])
    SyncRunner().run(graph, text=["a", "b"], notes=notes)
    assert notes == ["a", "b"]
    assert seen == [id(notes), id(notes)]


def test_clone_gives_each_item_its_own_copy():
    seen: list[int] = []
    notes: list = []
    graph = Graph([make_inner(seen).as_node().map_over("text", clone=True)])
    SyncRunner().run(graph, text=["a", "b"], notes=notes)
    assert notes == []
    assert id(notes) not in seen


def test_uncopyable_clone_value_raises_graph_config_error():
    seen: list[int] = []
    graph = Graph([make_inner(seen).as_node().map_over("text", clone=["notes"])])
    with pytest.raises(GraphConfigError, match="cannot be deep-copied for clone"):
        SyncRunner().run(graph, text=["a", "b"], notes=[threading.Lock()])
    assert seen == []


def test_zip_map_over_with_unequal_lengths_raises():
    @node(output_name="s")
    def add(a: int, b: int) -> int:
        return a + b

    graph = Graph([Graph([add], name="adder").as_node().map_over("a", "b")])
    with pytest.raises(ValueError, match="equal lengths"):
        SyncRunner().run(graph, a=[1, 2], b=[1])


def test_mapping_over_a_string_raises_type_error_with_a_fix():
    graph = Graph([make_inner([]).as_node().map_over("text")])
    with pytest.raises(TypeError, match=r"text=\[value\]"):
        SyncRunner().run(graph, text="abc", notes=[])
