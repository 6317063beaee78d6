"""Retries on every runner: a RetryPolicy retries listed errors, then gives up with the last."""

from __future__ import annotations

import pytest

from hypergraph import Graph, NodeAttemptEndEvent, RunStatus
from support import behaviour_graphs
from support.behaviour_graphs import flaky_graph


def test_node_failing_twice_then_succeeding_is_called_three_times(runner, calls):
    behaviour_graphs.FAILURES_LEFT["flaky"] = 2
    assert runner.run(flaky_graph(), x=1)["y"] == 2
    assert calls["flaky"] == 3


def test_node_out_of_attempts_raises_the_last_attempts_exception(runner, calls):
    behaviour_graphs.FAILURES_LEFT["flaky"] = 5
    with pytest.raises(ConnectionError, match="attempt 3 failed"):
        runner.run(flaky_graph(max_attempts=3), x=1)
    assert calls["flaky"] == 3


def test_attempts_are_reported_as_events(runner, recorder):
    behaviour_graphs.FAILURES_LEFT["flaky"] = 1
    runner.run(flaky_graph(), x=1, event_processors=[recorder])
    attempts = [e for e in recorder.events if isinstance(e, NodeAttemptEndEvent)]
    assert [(e.attempt, e.outcome) for e in attempts] == [(1, "retry"), (2, "success")]


def test_retries_inside_a_mapped_nested_graph(runner, calls):
    behaviour_graphs.FAILURES_LEFT["flaky"] = 2
    batch = Graph([flaky_graph().as_node().map_over("x", error_handling="continue")])
    result = runner.run(batch, x=[1, 2, 3])
    assert result.status == RunStatus.COMPLETED
    assert result["y"] == [2, 3, 4]
    assert calls["flaky"] == 5
