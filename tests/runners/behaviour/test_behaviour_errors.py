"""Failures on every runner: a user exception propagates as itself; continue returns it."""

from __future__ import annotations

import pytest

from hypergraph import RunStatus
from support.behaviour_graphs import Boom


def test_user_exception_propagates_as_itself(runner, fragile_pipeline):
    with pytest.raises(Boom, match="negative x: -1") as info:
        runner.run(fragile_pipeline, x=-1)
    assert type(info.value) is Boom


def test_continue_returns_a_failed_result_holding_the_exception(runner, fragile_pipeline):
    result = runner.run(fragile_pipeline, x=-1, error_handling="continue")
    assert result.status == RunStatus.FAILED
    assert not result.completed
    assert type(result.error) is Boom
    assert str(result.error) == "negative x: -1"
    assert result.failed_node == "fragile"


def test_continue_keeps_the_outputs_of_nodes_that_finished(runner, fragile_pipeline):
    result = runner.run(fragile_pipeline, x=-1, error_handling="continue")
    assert result.values == {"doubled": -2}


def test_failure_inside_a_nested_graph_surfaces_as_the_original_exception(runner, fragile_pipeline):
    from hypergraph import Graph

    outer = Graph([fragile_pipeline.as_node(name="inner")])
    with pytest.raises(Boom, match="negative x: -3"):
        runner.run(outer, x=-3)
    result = runner.run(outer, x=-3, error_handling="continue")
    assert result.status == RunStatus.FAILED
    assert type(result.error) is Boom
