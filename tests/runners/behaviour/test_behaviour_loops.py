"""Loops on every runner: a route closes the cycle, END stops it, max_iterations caps it."""

from __future__ import annotations

import pytest

from hypergraph import InfiniteLoopError, RunStatus


def test_route_to_end_stops_loop_at_the_limit(runner, counting_loop, calls):
    assert runner.run(counting_loop, count=0, limit=4)["count"] == 4
    assert calls["increment"] == 4


def test_loop_whose_exit_condition_already_holds_runs_no_iteration(runner, counting_loop, calls):
    # The route decides before its target first runs.
    assert runner.run(counting_loop, count=7, limit=4)["count"] == 7
    assert calls["increment"] == 0


def test_endless_loop_raises_infinite_loop_error_at_max_iterations(runner, endless_loop, calls):
    with pytest.raises(InfiniteLoopError, match="5") as info:
        runner.run(endless_loop, count=0, max_iterations=5)
    assert info.value.max_iterations == 5
    assert calls["increment"] <= 6


def test_endless_loop_under_continue_gives_a_failed_result(runner, endless_loop):
    result = runner.run(endless_loop, count=0, max_iterations=5, error_handling="continue")
    assert result.status == RunStatus.FAILED
    assert isinstance(result.error, InfiniteLoopError)


def test_each_map_item_loops_to_its_own_limit(runner, counting_loop, calls):
    results = runner.map(counting_loop, count=0, limit=[1, 3, 2], map_over="limit")
    assert [r["count"] for r in results] == [1, 3, 2]
    assert calls["increment"] == 6
