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


async def test_200_concurrent_identical_cached_calls_run_the_body_once():
    calls: list[int] = []

    @node(output_name="y", cache=True)
    async def slow(x: int) -> int:
        calls.append(x)
        await asyncio.sleep(0.01)
        return x * 3

    runner = AsyncRunner(cache=InMemoryCache())
    graph = Graph([slow])
    results = await asyncio.gather(*(runner.run(graph, x=7) for _ in range(200)))
    assert [r["y"] for r in results] == [21] * 200
    assert calls == [7]
    mapped = await runner.map(graph, {"x": [8] * 200}, map_over="x", max_concurrency=10)
    assert [r["y"] for r in mapped] == [24] * 200
    assert calls == [7, 8]


async def test_waiting_identical_calls_are_reported_as_cache_hits():
    from hypergraph import CacheHitEvent, NodeEndEvent, TypedEventProcessor

    class Hits(TypedEventProcessor):
        def __init__(self) -> None:
            self.hits = 0
            self.cached_ends = 0

        def on_cache_hit(self, event: CacheHitEvent) -> None:
            self.hits += 1

        def on_node_end(self, event: NodeEndEvent) -> None:
            self.cached_ends += event.cached

    @node(output_name="y", cache=True)
    async def slow(x: int) -> int:
        await asyncio.sleep(0.01)
        return x

    hits = Hits()
    runner = AsyncRunner(cache=InMemoryCache())
    await runner.map(Graph([slow]), {"x": [1] * 5}, map_over="x", event_processors=[hits])
    assert (hits.hits, hits.cached_ends) == (4, 4)


async def test_identical_calls_after_a_failing_one_run_one_at_a_time():
    running: list[int] = []
    overlaps: list[int] = []

    @node(output_name="y", cache=True)
    async def flaky(x: int) -> int:
        running.append(x)
        overlaps.append(len(running))
        await asyncio.sleep(0.005)
        running.remove(x)
        raise ValueError("no answer")

    runner = AsyncRunner(cache=InMemoryCache())
    results = await runner.map(
        Graph([flaky]), {"x": [1, 1, 1]}, map_over="x", error_handling="continue"
    )
    assert [r.status.value for r in results] == ["failed"] * 3
    assert overlaps == [1, 1, 1]  # each waited for the previous failure, none was cached
