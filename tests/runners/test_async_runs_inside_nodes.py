"""A run started from inside a node body never waits on its caller's concurrency slot.

Each run is bounded by ``asyncio.wait_for`` so a regression (a deadlock) fails the test instead
of hanging the suite.
"""

from __future__ import annotations

import asyncio

import pytest

from hypergraph import AsyncRunner, Graph, node

# Generous: every run here finishes in milliseconds; a deadlock never finishes.
_BOUND_S = 10.0


@node(output_name="y")
async def add_one(x: int) -> int:
    await asyncio.sleep(0)
    return x + 1


SUB = Graph([add_one])


def tool_graph(runner: AsyncRunner, **inner_options: object) -> Graph:
    """A graph whose only node starts a separate run of ``SUB`` on ``runner``."""

    @node(output_name="answer")
    async def tool(x: int) -> int:
        result = await runner.run(SUB, x=x, **inner_options)  # type: ignore[arg-type]
        return int(result["y"])

    return Graph([tool])


async def test_run_inside_a_node_under_max_concurrency_one_completes():
    runner = AsyncRunner()
    result = await asyncio.wait_for(
        runner.run(tool_graph(runner), x=1, max_concurrency=1), _BOUND_S
    )
    assert result["answer"] == 2


async def test_runs_inside_map_items_under_max_concurrency_complete():
    runner = AsyncRunner()
    results = await asyncio.wait_for(
        runner.map(tool_graph(runner), x=[1, 2, 3, 4], map_over="x", max_concurrency=2),
        _BOUND_S,
    )
    assert [r["answer"] for r in results] == [2, 3, 4, 5]


def watched_graph() -> tuple[Graph, list[int]]:
    """A one-node graph whose async body records the peak number of bodies in flight."""
    state = [0, 0]  # running, peak

    @node(output_name="y")
    async def watched(x: int) -> int:
        state[0] += 1
        state[1] = max(state[1], state[0])
        await asyncio.sleep(0.01)
        state[0] -= 1
        return x

    return Graph([watched], name="inner"), state


def fanning_graph(runner: AsyncRunner, inner: Graph, limit: int | None) -> Graph:
    """A graph whose node maps ``inner`` over ``range(x)`` itself, with ``limit``."""

    @node(output_name="total")
    async def fan(x: int) -> int:
        results = await runner.map(inner, x=list(range(x)), map_over="x", max_concurrency=limit)
        return sum(int(r["y"]) for r in results)

    return Graph([fan])


@pytest.mark.parametrize(("inner_limit", "expected_peak"), [(3, 3), (None, 12)])
async def test_run_inside_a_node_has_its_own_limit_not_its_callers(inner_limit, expected_peak):
    inner, state = watched_graph()
    runner = AsyncRunner()
    outer = fanning_graph(runner, inner, inner_limit)
    result = await asyncio.wait_for(runner.run(outer, x=12, max_concurrency=1), _BOUND_S)
    assert result["total"] == sum(range(12))
    assert state[1] == expected_peak  # the inner map's own limit (None: unlimited), never 1


async def test_nested_graph_still_shares_the_outer_limit():
    inner, state = watched_graph()
    mapped = inner.as_node().map_over("x")
    result = await asyncio.wait_for(
        AsyncRunner().run(Graph([mapped]), x=list(range(8)), max_concurrency=2), _BOUND_S
    )
    assert result["y"] == list(range(8))
    assert state[1] == 2


@pytest.mark.parametrize("threads", [False, True])
async def test_sync_node_starting_its_own_event_loop_run_completes(threads):
    runner = AsyncRunner(sync_nodes_in_threads=threads)

    @node(output_name="answer")
    def blocking_tool(x: int) -> int:
        if not threads:
            return x + 1  # no new loop can start on the running loop's thread
        # Bounded inside the thread too: a thread cannot be cancelled from outside.
        return int(asyncio.run(asyncio.wait_for(runner.run(SUB, x=x), _BOUND_S))["y"])

    result = await asyncio.wait_for(
        runner.run(Graph([blocking_tool]), x=1, max_concurrency=1), _BOUND_S
    )
    assert result["answer"] == 2
