"""Node caching through ``AsyncRunner``: async nodes, interrupts, concurrent identical calls."""

from __future__ import annotations

import asyncio

from hypergraph import AsyncRunner, Graph, InMemoryCache, interrupt, node


async def test_async_node_is_cached_across_runs():
    calls: list[int] = []

    @node(output_name="y", cache=True)
    async def fetch(x: int) -> int:
        calls.append(x)
        await asyncio.sleep(0)
        return x + 100

    runner = AsyncRunner(cache=InMemoryCache())
    assert (await runner.run(Graph([fetch]), x=1))["y"] == 101
    assert (await runner.run(Graph([fetch]), x=1))["y"] == 101
    assert calls == [1]


async def test_async_generator_is_cached_as_its_list():
    calls: list[int] = []

    @node(output_name="chunks", cache=True)
    async def stream(n: int):
        calls.append(n)
        for i in range(n):
            yield i

    runner = AsyncRunner(cache=InMemoryCache())
    assert (await runner.run(Graph([stream]), n=2))["chunks"] == [0, 1]
    assert (await runner.run(Graph([stream]), n=2))["chunks"] == [0, 1]
    assert calls == [2]


async def test_concurrent_identical_calls_compute_correctly_and_leave_one_entry():
    calls: list[int] = []

    @node(output_name="y", cache=True)
    async def slow(x: int) -> int:
        calls.append(x)
        await asyncio.sleep(0.001)
        return x * 3

    cache = InMemoryCache()
    runner = AsyncRunner(cache=cache)
    graph = Graph([slow])
    results = await runner.map(graph, {"x": [5, 5, 5, 5]}, map_over="x")
    assert [r["y"] for r in results] == [15, 15, 15, 15]
    assert len(cache) == 1  # every concurrent miss wrote the same entry; last write wins
    computed = len(calls)
    again = await runner.map(graph, {"x": [5, 5]}, map_over="x")
    assert [r["y"] for r in again] == [15, 15]
    assert len(calls) == computed  # now served from the cache


async def test_cached_interrupt_replays_its_auto_resolved_answer():
    asked: list[str] = []

    @interrupt(output_name="verdict", cache=True)
    async def auto_review(draft: str) -> str | None:
        asked.append(draft)
        return "approved" if "ok" in draft else None

    @node(output_name="published")
    def publish(draft: str, verdict: str) -> str:
        return f"{draft}: {verdict}"

    runner = AsyncRunner(cache=InMemoryCache())
    graph = Graph([auto_review, publish])
    for _ in range(2):
        assert (await runner.run(graph, draft="ok text"))["published"] == "ok text: approved"
    assert asked == ["ok text"]
    # A pause is not an answer: it is never cached, so the handler is asked every time.
    assert (await runner.run(graph, draft="rough")).paused
    assert (await runner.run(graph, draft="rough")).paused
    assert asked == ["ok text", "rough", "rough"]
