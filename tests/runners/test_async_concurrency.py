"""AsyncRunner concurrency: overlap, max_concurrency, cancellation, sync bodies in threads.

docs/guides/async.md. Overlap and limits are checked by behaviour (bodies that wait for each
other, a peak counter of bodies in flight), never by elapsed time.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from hypergraph import AsyncRunner, FunctionNode, Graph, node


class Peak:
    """Counts node bodies currently running and remembers the maximum."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self.calls = 0

    async def sleep_body(self, x: int, delay: float = 0.01) -> int:
        self.running += 1
        self.calls += 1
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(delay)
        finally:
            self.running -= 1
        return x


def fan_out(peak: Peak, count: int, prefix: str = "n") -> list[FunctionNode]:
    """``count`` independent async nodes reading ``x``, each sleeping 10 ms."""

    async def body(x: int) -> int:
        return await peak.sleep_body(x)

    return [FunctionNode(body, name=f"{prefix}{i}", output_name=f"{prefix}_out{i}") for i in
            range(count)]  # fmt: skip


async def test_independent_async_nodes_overlap():
    # Each body waits until all 200 have started: they can only finish if they run at once
    # (run one after another, the first would wait alone, time out, and fail the rest at once).
    count = 200
    started: list[int] = []
    all_started = asyncio.Event()
    gave_up = asyncio.Event()

    def numbered(index: int) -> FunctionNode:
        async def body(x: int) -> int:
            started.append(index)
            if len(started) == count:
                all_started.set()
            if gave_up.is_set():
                raise RuntimeError(f"node n{index} started after n0 gave up waiting")
            try:
                await asyncio.wait_for(all_started.wait(), timeout=10)
            except asyncio.TimeoutError:
                gave_up.set()
                raise
            return x + index

        return FunctionNode(body, name=f"n{index}", output_name=f"out{index}")

    nodes = [numbered(i) for i in range(count)]
    result = await AsyncRunner().run(Graph(nodes), x=1)
    assert sorted(started) == list(range(count))
    assert [result[f"out{i}"] for i in range(count)] == [1 + i for i in range(count)]


async def test_max_concurrency_caps_the_peak_exactly():
    peak = Peak()
    result = await AsyncRunner().run(Graph(fan_out(peak, 200)), x=1, max_concurrency=10)
    assert peak.calls == 200 and len(result.values) == 200
    assert peak.peak == 10


def nested_workload(peak: Peak) -> Graph:
    """Three GraphNodes of 6 sleeping nodes each, plus a map_over over 12 items."""
    parts = [Graph(fan_out(peak, 6, prefix=f"g{k}_"), name=f"part{k}").as_node() for k in range(3)]

    @node(output_name="item_out")
    async def per_item(item: int) -> int:
        return await peak.sleep_body(item)

    mapped = Graph([per_item], name="items").as_node().map_over("item")
    return Graph([*parts, mapped])


async def test_one_global_limit_across_nested_graphs_and_map_over():
    peak = Peak()
    result = await AsyncRunner().run(
        nested_workload(peak), x=1, item=list(range(12)), max_concurrency=4
    )
    assert peak.calls == 3 * 6 + 12
    assert result["item_out"] == list(range(12))
    assert peak.peak == 4


async def test_without_limit_nested_work_all_overlaps():
    peak = Peak()
    await AsyncRunner().run(nested_workload(peak), x=1, item=list(range(12)))
    assert peak.peak == 3 * 6 + 12


async def test_max_concurrency_one_serialises_across_nesting():
    peak = Peak()
    await AsyncRunner().run(nested_workload(peak), x=1, item=list(range(12)), max_concurrency=1)
    assert peak.calls == 30 and peak.peak == 1


async def test_limit_does_not_leak_into_the_next_run():
    peak = Peak()
    runner = AsyncRunner()
    await runner.run(Graph(fan_out(peak, 20)), x=1, max_concurrency=2)
    assert peak.peak == 2
    second = Peak()
    await runner.run(Graph(fan_out(second, 20)), x=1)
    assert second.peak == 20


async def test_concurrent_runs_with_their_own_limits_share_nothing():
    first, second = Peak(), Peak()
    runner = AsyncRunner()
    await asyncio.gather(
        runner.run(Graph(fan_out(first, 30)), x=1, max_concurrency=3),
        runner.run(Graph(fan_out(second, 30)), x=1, max_concurrency=5),
    )
    assert (first.peak, second.peak) == (3, 5)


async def test_cancelling_the_run_cancels_in_flight_nodes():
    started = asyncio.Event()
    state = {"started": 0, "finished": 0, "cancelled": 0}

    async def body(x: int) -> int:
        state["started"] += 1
        started.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            state["cancelled"] += 1
            raise
        state["finished"] += 1
        return x

    nodes = [FunctionNode(body, name=f"w{i}", output_name=f"o{i}") for i in range(5)]
    inner = Graph(nodes[:2], name="inner")
    graph = Graph([inner.as_node(), *nodes[2:]])
    task = asyncio.create_task(AsyncRunner().run(graph, x=1))
    await started.wait()
    await asyncio.sleep(0.01)  # let every node start
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert state == {"started": 5, "finished": 0, "cancelled": 5}
    # nothing left running in the background
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert others == []


async def test_cancelling_a_limited_map_over_stops_taking_items():
    state = {"started": 0}
    first_started = asyncio.Event()

    @node(output_name="y")
    async def slow(item: int) -> int:
        state["started"] += 1
        first_started.set()
        await asyncio.sleep(10)
        return item

    graph = Graph([Graph([slow], name="inner").as_node().map_over("item")])
    task = asyncio.create_task(AsyncRunner().run(graph, item=list(range(100)), max_concurrency=3))
    await first_started.wait()
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.01)
    assert state["started"] == 3
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


def blocking_pair() -> Graph:
    """A sync node blocking on a thread event that only its async sibling can set."""
    signal = threading.Event()

    @node(output_name="unblocked")
    def blocker(x: int) -> bool:
        return signal.wait(timeout=0.5)

    @node(output_name="signalled")
    async def releaser(x: int) -> bool:
        await asyncio.sleep(0)
        signal.set()
        return True

    return Graph([blocker, releaser])


async def test_sync_node_blocks_the_loop_by_default():
    result = await AsyncRunner().run(blocking_pair(), x=1)
    # the async sibling could only run after the blocking body gave up
    assert result.values == {"unblocked": False, "signalled": True}


async def test_sync_nodes_in_threads_do_not_block_async_siblings():
    runner = AsyncRunner(sync_nodes_in_threads=True)
    result = await runner.run(blocking_pair(), x=1)
    assert result.values == {"unblocked": True, "signalled": True}


async def test_sync_nodes_in_threads_run_off_the_loop_thread():
    @node(output_name="thread_name")
    def where(x: int) -> str:
        return threading.current_thread().name

    @node(output_name="items")
    def gen(x: int):
        yield from range(x)

    loop_thread = threading.current_thread().name
    plain = await AsyncRunner().run(Graph([where, gen]), x=2)
    threaded = await AsyncRunner(sync_nodes_in_threads=True).run(Graph([where, gen]), x=2)
    assert plain["thread_name"] == loop_thread
    assert threaded["thread_name"] != loop_thread
    assert threaded["items"] == [0, 1]


async def test_sync_bodies_hold_the_limiter_too():
    running = {"now": 0, "peak": 0}
    lock = threading.Lock()

    def body(x: int) -> int:
        with lock:
            running["now"] += 1
            running["peak"] = max(running["peak"], running["now"])
        time.sleep(0.01)
        with lock:
            running["now"] -= 1
        return x

    nodes = [FunctionNode(body, name=f"s{i}", output_name=f"o{i}") for i in range(12)]
    runner = AsyncRunner(sync_nodes_in_threads=True)
    await runner.run(Graph(nodes), x=1, max_concurrency=3)
    assert running["peak"] == 3
