"""Nested graphs on every runner: as_node runs a graph as one node; map_over fans it out."""

from __future__ import annotations

import pytest

from hypergraph import Graph, RunStatus, node
from support.behaviour_graphs import Boom, fragile


def test_nested_graph_runs_as_one_node_and_feeds_outer_nodes(runner, diamond):
    inner = diamond.select("result").as_node(name="inner")

    @node(output_name="report")
    def report(result: int) -> str:
        return f"result={result}"

    outcome = runner.run(Graph([inner, report]), x=3)
    assert outcome.values == {"result": 16, "report": "result=16"}


def test_renamed_nested_graph_maps_inputs_and_outputs(runner, diamond):
    inner = diamond.select("result").as_node().with_inputs(x="n").with_outputs(result="answer")
    assert runner.run(Graph([inner]), n=2).values == {"answer": 9}


def test_loop_inside_a_nested_graph_runs_to_completion(runner, counting_loop, calls):
    outer = Graph([counting_loop.as_node()])
    assert runner.run(outer, count=0, limit=3)["count"] == 3
    assert calls["increment"] == 3


def test_map_over_zip_gives_one_list_per_output_in_item_order(runner, diamond):
    batch = Graph([diamond.select("result").as_node().map_over("x", "offset")])
    assert runner.run(batch, x=[1, 2, 3], offset=[0, 10, 100])["result"] == [3, 18, 115]


def test_map_over_broadcasts_the_unmapped_inputs(runner, diamond):
    batch = Graph([diamond.select("result").as_node().map_over("x")])
    assert runner.run(batch, x=[1, 2], offset=10)["result"] == [13, 18]


def test_map_over_product_combines_every_pair_first_name_slowest(runner, diamond):
    batch = Graph([diamond.select("total").as_node().map_over("x", "offset", mode="product")])
    assert runner.run(batch, x=[1, 2], offset=[0, 10])["total"] == [2, 12, 4, 14]


def test_map_over_continue_puts_none_at_failed_items(runner, calls):
    inner = Graph([fragile], name="checker").as_node()
    batch = Graph([inner.map_over("x", error_handling="continue")])
    result = runner.run(batch, x=[1, -1, 2])
    assert result.completed
    assert result["checked"] == [101, None, 102]
    assert calls["fragile"] == 3


def test_map_over_raise_propagates_the_item_exception_as_itself(runner):
    batch = Graph([Graph([fragile], name="checker").as_node().map_over("x")])
    with pytest.raises(Boom) as info:
        runner.run(batch, x=[1, -1, -2])
    assert info.value.args == ("negative x: -1",)  # the first failing item's
    result = runner.run(batch, x=[1, -1], error_handling="continue")
    assert result.status == RunStatus.FAILED
    assert isinstance(result.error, Boom)
