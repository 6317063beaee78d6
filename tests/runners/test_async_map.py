"""AsyncRunner.map / amap: ordering, concurrency, failures, limits (docs/guides/map.md,
docs/guides/async.md)."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from hypergraph import AsyncRunner, Graph, GraphConfigError, MissingInputError, RunStatus, node


class Peak:
    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self.started: list[int] = []

    async def enter(self, x: int, delay: float) -> None:
        self.running += 1
        self.started.append(x)
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(delay)
        finally:
            self.running -= 1


def sleeper_graph(peak: Peak, delay: float = 0.005) -> Graph:
    @node(output_name="y")
    async def work(x: int) -> int:
        await peak.enter(x, delay)
        return x * 10

    return Graph([work])


@node(output_name="y")
async def tenfold(x: int) -> int:
    return x * 10


@node(output_name="z")
def combine(y: int, offset: int = 0) -> int:
    return y + offset


async def test_map_keeps_input_order():
    peak = Peak()

    @node(output_name="y")
    async def uneven(x: int) -> int:
        await peak.enter(x, 0.001 * (5 - x))  # later items finish first
        return x

    results = await AsyncRunner().map(Graph([uneven]), {"x": [0, 1, 2, 3, 4]}, map_over="x")
    assert [r["y"] for r in results] == [0, 1, 2, 3, 4]
    assert all(r.status == RunStatus.COMPLETED for r in results)
    assert len({r.run_id for r in results}) == 5


async def test_amap_is_map():
    results = await AsyncRunner().amap(Graph([tenfold]), x=[1, 2], map_over="x")
    assert [r["y"] for r in results] == [10, 20]


async def test_broadcast_and_product():
    graph = Graph([tenfold, combine])
    results = await AsyncRunner().map(
        graph, {"x": [1, 2], "offset": [0, 5]}, map_over=["x", "offset"], map_mode="product"
    )
    assert [r["z"] for r in results] == [10, 15, 20, 25]
    shared = await AsyncRunner().map(graph, x=[1, 2], offset=3, map_over="x")
    assert [r["z"] for r in shared] == [13, 23]


async def test_items_overlap_without_a_limit():
    peak = Peak()
    await AsyncRunner().map(sleeper_graph(peak), x=list(range(50)), map_over="x")
    assert peak.peak == 50


async def test_max_concurrency_bounds_items_in_flight():
    peak = Peak()
    results = await AsyncRunner().map(
        sleeper_graph(peak), x=list(range(40)), map_over="x", max_concurrency=4
    )
    assert [r["y"] for r in results] == [10 * i for i in range(40)]
    assert peak.peak == 4


async def test_max_concurrency_one_serialises_items_and_their_nodes():
    peak = Peak()

    @node(output_name="a")
    async def left(x: int) -> int:
        await peak.enter(x, 0.002)
        return x

    @node(output_name="b")
    async def right(x: int) -> int:
        await peak.enter(x, 0.002)
        return x

    inner = Graph([left, right], name="pair")
    graph = Graph([inner.as_node().map_over("x")])
    results = await AsyncRunner().map(
        graph, x=[[1, 2], [3, 4], [5, 6]], map_over="x", max_concurrency=1
    )
    assert [r["a"] for r in results] == [[1, 2], [3, 4], [5, 6]]
    assert peak.peak == 1 and len(peak.started) == 12


async def test_empty_map_returns_empty_list():
    assert await AsyncRunner().map(Graph([tenfold]), x=[], map_over="x") == []


async def test_too_many_tasks_without_a_limit():
    with pytest.raises(ValueError, match="Too many map tasks") as info:
        await AsyncRunner().map(Graph([tenfold]), x=list(range(10_001)), map_over="x")
    assert "max_concurrency" in str(info.value)


async def test_many_items_run_with_a_limit():
    @node(output_name="y")
    def inc(x: int) -> int:
        return x + 1

    results = await AsyncRunner().map(
        Graph([inc]), x=list(range(12_000)), map_over="x", max_concurrency=50
    )
    assert len(results) == 12_000 and results[-1]["y"] == 12_000


@node(output_name="inv")
async def invert(x: int) -> float:
    await asyncio.sleep(0.001 * x)
    return 1 / x


async def test_raise_raises_first_failure_in_input_order():
    @node(output_name="inv")
    async def picky(x: int) -> float:
        await asyncio.sleep(0.002 * (3 - x))  # item 2 fails before item 1
        if x == 1:
            raise KeyError("first")
        if x == 2:
            raise LookupError("second")
        return x

    with pytest.raises(KeyError, match="first"):
        await AsyncRunner().map(Graph([picky]), x=[0, 1, 2], map_over="x")


async def test_raise_with_limit_stops_taking_items_after_a_failure():
    started: list[int] = []

    @node(output_name="y")
    async def fails_early(x: int) -> int:
        started.append(x)
        await asyncio.sleep(0.001)
        if x == 1:
            raise ValueError("bad item")
        return x

    with pytest.raises(ValueError, match="bad item"):
        await AsyncRunner().map(
            Graph([fails_early]), x=list(range(100)), map_over="x", max_concurrency=2
        )
    assert len(started) < 10  # the workers stopped; most items never started


@pytest.mark.parametrize("observed", [False, True])
async def test_raise_starts_no_item_after_a_failure_of_items_that_never_wait(observed: bool):
    from hypergraph.events import EventProcessor

    started: list[int] = []

    @node(output_name="y")
    def fails_third(x: int) -> int:
        started.append(x)
        if x == 2:
            raise ValueError("bad item")
        return x

    processors = [EventProcessor()] if observed else None
    with pytest.raises(ValueError, match="bad item"):
        await AsyncRunner().map(
            Graph([fails_third]), x=list(range(10)), map_over="x", max_concurrency=3,
            event_processors=processors,
        )  # fmt: skip
    assert started == [0, 1, 2]


async def test_continue_returns_failed_results_for_failing_items_only():
    results = await AsyncRunner().map(
        Graph([invert]), x=[1, 0, 2], map_over="x", error_handling="continue"
    )
    assert [r.status for r in results] == ["completed", "failed", "completed"]
    assert isinstance(results[1].error, ZeroDivisionError)
    assert results[2]["inv"] == 0.5


async def test_continue_turns_item_validation_errors_into_failed_results():
    @node(output_name="z")
    def needs(y: int, extra: int) -> int:
        return y + extra

    strict = Graph([tenfold, needs])
    results = await AsyncRunner().map(strict, x=[1, 2], map_over="x", error_handling="continue")
    assert [r.status for r in results] == [RunStatus.FAILED, RunStatus.FAILED]
    assert all(isinstance(r.error, MissingInputError) for r in results)
    with pytest.raises(MissingInputError):
        await AsyncRunner().map(strict, x=[1, 2], map_over="x")


async def test_planning_errors_raise_before_any_item_runs():
    peak = Peak()
    graph = sleeper_graph(peak)
    with pytest.raises(ValueError, match="equal lengths"):
        await AsyncRunner().map(graph, x=[1, 2], y=[1], map_over=["x", "y"])
    with pytest.raises(KeyError):
        await AsyncRunner().map(graph, x=[1, 2], map_over="missing")
    with pytest.raises(GraphConfigError, match="deep-copied"):
        await AsyncRunner().map(graph, x=[1, 2], config=_Uncopyable(), map_over="x", clone=True)
    with pytest.raises(ValueError, match="reserved runner options"):
        await AsyncRunner().map(graph, x=[1], map_over="x", _parent_span_id="s")
    assert peak.started == []


class _Uncopyable:
    def __deepcopy__(self, memo):
        raise TypeError("no copies")


async def test_clone_gives_each_item_its_own_copy():
    @node(output_name="ident")
    def identity_of(x: int, config: dict) -> int:
        return id(config)

    config = {"k": 1}
    graph = Graph([identity_of])
    shared = await AsyncRunner().map(graph, x=[1, 2], config=config, map_over="x")
    cloned = await AsyncRunner().map(graph, x=[1, 2], config=config, map_over="x", clone=True)
    assert {r["ident"] for r in shared} == {id(config)}
    assert len({r["ident"] for r in cloned}) == 2 and id(config) not in {r["ident"] for r in cloned}


async def test_cancelling_a_map_leaves_nothing_running():
    started = asyncio.Event()
    cancelled: list[int] = []

    @node(output_name="y")
    async def forever(x: int) -> int:
        started.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(x)
            raise
        return x

    task = asyncio.create_task(
        AsyncRunner().map(Graph([forever]), x=list(range(20)), map_over="x", max_concurrency=5)
    )
    await started.wait()
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(cancelled) == [0, 1, 2, 3, 4]
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


async def test_a_huge_product_map_reserves_nothing_per_item_up_front():
    """20 million combinations: memory before the first item runs does not grow with count."""
    traced_before_first_item: list[int] = []

    @node(output_name="y")
    def first_item_stops(a: int, b: int) -> int:
        traced_before_first_item.append(tracemalloc.get_traced_memory()[1])
        raise RuntimeError("stop after the first item")

    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match="stop after the first item"):
            await AsyncRunner().map(
                Graph([first_item_stops]),
                a=list(range(10_000)),
                b=list(range(2_000)),
                map_over=["a", "b"],
                map_mode="product",
                max_concurrency=4,
            )
    finally:
        tracemalloc.stop()
    # One slot per item would be 160 MB; a few items' worth stays far below 16 MB.
    assert traced_before_first_item and max(traced_before_first_item) < 16_000_000
