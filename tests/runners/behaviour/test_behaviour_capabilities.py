"""What each runner can and cannot run: async nodes and interrupts.

SyncRunner refuses async nodes; SyncRunner and DaskRunner refuse interrupts. Each refusal is an
``IncompatibleRunnerError`` raised before any node runs, asserted here rather than skipped.
"""

from __future__ import annotations

import pytest

from hypergraph import IncompatibleRunnerError
from support.behaviour_graphs import async_graph, review_graph


def test_async_nodes_run_on_runners_that_support_them(runner, calls):
    graph = async_graph()
    if not runner.runner.capabilities.supports_async_nodes:
        assert runner.name == "sync"
        with pytest.raises(IncompatibleRunnerError, match="async_double"):
            runner.run(graph, x=2)
        assert sum(calls.values()) == 0
        return
    result = runner.run(graph, x=2)
    assert result.completed
    assert result.values == {"doubled": 4, "total": 5}
    assert [r["total"] for r in runner.map(graph, x=[1, 2], map_over="x")] == [3, 5]


def test_interrupt_pauses_on_runners_that_support_it(runner, calls):
    graph = review_graph()
    if not runner.runner.capabilities.supports_interrupts:
        assert runner.name in {"sync", "dask"}
        with pytest.raises(IncompatibleRunnerError, match="InterruptNode"):
            runner.run(graph, x=2)
        assert sum(calls.values()) == 0
        return
    result = runner.run(graph, x=2)
    assert result.paused
    assert result.pause.node_name == "approve"
    assert result.values == {"doubled": 4, "total": 5}
