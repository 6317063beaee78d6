"""runner.map on every runner: one result per item, in input order, zip or product."""

from __future__ import annotations

import pytest

from hypergraph import RunResult, RunStatus
from support.behaviour_graphs import Boom


def test_map_returns_one_result_per_item_in_input_order(runner, diamond):
    results = runner.map(diamond, {"x": [1, 2, 3, 4, 5]}, map_over="x")
    assert [r["result"] for r in results] == [4, 9, 16, 25, 36]
    assert all(isinstance(r, RunResult) and r.status == RunStatus.COMPLETED for r in results)
    assert len({r.run_id for r in results}) == 5


def test_map_zip_pairs_the_mapped_lists_and_broadcasts_the_rest(runner, diamond):
    results = runner.map(diamond, x=[1, 2, 3], offset=[0, 10, 100], map_over=["x", "offset"])
    assert [r["total"] for r in results] == [2, 14, 106]
    results = runner.map(diamond, x=[1, 2, 3], offset=10, map_over="x", select="total")
    assert [r.values for r in results] == [{"total": 12}, {"total": 14}, {"total": 16}]


def test_map_product_runs_every_combination_first_name_slowest(runner, diamond):
    results = runner.map(
        diamond, x=[1, 2], offset=[0, 10], map_over=["x", "offset"], map_mode="product"
    )
    assert [(r["doubled"], r["total"]) for r in results] == [(2, 2), (2, 12), (4, 4), (4, 14)]


def test_map_of_nothing_returns_an_empty_list_without_running(runner, diamond, calls):
    assert runner.map(diamond, x=[], map_over="x") == []
    assert sum(calls.values()) == 0


def test_map_with_raise_raises_the_failing_items_exception_as_itself(runner, fragile_pipeline):
    with pytest.raises(Boom, match="negative x: -2"):
        runner.map(fragile_pipeline, x=[1, -2, 3], map_over="x", error_handling="raise")


def test_map_with_continue_fails_only_the_failing_items(runner, fragile_pipeline):
    results = runner.map(fragile_pipeline, x=[1, -2, 3], map_over="x", error_handling="continue")
    assert [r.status for r in results] == [
        RunStatus.COMPLETED,
        RunStatus.FAILED,
        RunStatus.COMPLETED,
    ]
    assert [r.get("checked") for r in results] == [101, None, 103]
    assert isinstance(results[1].error, Boom)
    assert results[1].failed_node == "fragile"


def test_map_with_unequal_zip_lengths_raises_before_any_item_runs(runner, diamond, calls):
    with pytest.raises(ValueError, match="equal lengths"):
        runner.map(diamond, x=[1, 2], offset=[1], map_over=["x", "offset"])
    assert sum(calls.values()) == 0


def test_map_clone_gives_each_item_its_own_copy_of_a_broadcast_value(runner):
    from hypergraph import Graph, node

    @node(output_name="seen")
    def remember(x: int, log: list[int]) -> list[int]:
        log.append(x)
        return list(log)

    results = runner.map(Graph([remember]), x=[1, 2, 3], log=[], map_over="x", clone=True)
    assert [r["seen"] for r in results] == [[1], [2], [3]]
