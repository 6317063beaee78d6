"""Events under AsyncRunner: async delivery, order, pauses, maps (docs/guides/events.md)."""

from __future__ import annotations

import asyncio

from hypergraph import (
    AsyncEventProcessor,
    AsyncRunner,
    EventProcessor,
    Graph,
    NodeEndEvent,
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
    interrupt,
    node,
)


class AsyncLog(AsyncEventProcessor):
    def __init__(self) -> None:
        self.events: list = []
        self.sync_calls = 0
        self.shutdowns = 0

    def on_event(self, event) -> None:
        self.sync_calls += 1

    async def on_event_async(self, event) -> None:
        await asyncio.sleep(0)  # a real coroutine: the runner must await it
        self.events.append(event)

    async def shutdown_async(self) -> None:
        self.shutdowns += 1


class SyncLog(EventProcessor):
    def __init__(self) -> None:
        self.events: list = []

    def on_event(self, event) -> None:
        self.events.append(event)


def kinds(events: list) -> list[str]:
    return [type(e).__name__.removesuffix("Event") for e in events]


@node(output_name="b")
async def first(a: int) -> int:
    return a + 1


@node(output_name="c")
def second(b: int) -> int:
    return b * 2


async def test_async_processor_receives_events_through_on_event_async():
    log = AsyncLog()
    result = await AsyncRunner().run(Graph([first, second]), a=1, event_processors=[log])
    assert result["c"] == 4
    assert log.sync_calls == 0
    assert kinds(log.events) == ["RunStart", "NodeStart", "NodeEnd", "NodeStart", "NodeEnd",
                                 "RunEnd"]  # fmt: skip
    assert log.events[0].run_id == result.run_id
    assert [e.node_name for e in log.events if isinstance(e, NodeStartEvent)] == [
        "first",
        "second",
    ]
    assert log.shutdowns == 1


async def test_plain_processor_works_under_async_runner():
    log = SyncLog()
    await AsyncRunner().run(Graph([first, second]), a=1, event_processors=[log])
    assert kinds(log.events)[0] == "RunStart" and kinds(log.events)[-1] == "RunEnd"


async def test_paused_run_emits_no_run_end_and_no_end_for_the_interrupt():
    @interrupt(output_name="answer")
    def ask(b: int) -> int | None:
        return None

    log = AsyncLog()
    result = await AsyncRunner().run(Graph([first, ask]), a=1, event_processors=[log])
    assert result.paused
    assert not any(isinstance(e, RunEndEvent) for e in log.events)
    ended = [e.node_name for e in log.events if isinstance(e, NodeEndEvent)]
    assert ended == ["first"]
    assert log.shutdowns == 1


async def test_concurrent_nodes_each_get_one_start_and_end_under_the_run_span():
    @node(output_name="x1")
    async def one(a: int) -> int:
        await asyncio.sleep(0.001)
        return a

    @node(output_name="x2")
    async def two(a: int) -> int:
        return a

    log = AsyncLog()
    await AsyncRunner().run(Graph([one, two]), a=1, event_processors=[log], max_concurrency=1)
    run_span = log.events[0].span_id
    starts = [e for e in log.events if isinstance(e, NodeStartEvent)]
    ends = [e for e in log.events if isinstance(e, NodeEndEvent)]
    assert sorted(e.node_name for e in starts) == ["one", "two"]
    assert {e.span_id for e in starts} == {e.span_id for e in ends}
    assert all(e.parent_span_id == run_span for e in starts)


async def test_map_events_hang_items_under_the_map_span():
    log = AsyncLog()
    results = await AsyncRunner().map(
        Graph([first]), a=[1, 2, 3], map_over="a", event_processors=[log], max_concurrency=2
    )
    runs = [e for e in log.events if isinstance(e, RunStartEvent)]
    map_start = runs[0]
    assert map_start.is_map and map_start.map_size == 3
    items = runs[1:]
    assert len(items) == 3 and all(e.parent_span_id == map_start.span_id for e in items)
    assert {e.run_id for e in items} == {r.run_id for r in results}
    assert isinstance(log.events[-1], RunEndEvent) and log.events[-1].span_id == map_start.span_id
    assert log.shutdowns == 1


async def test_failing_run_ends_failed_and_shuts_down_once():
    @node(output_name="c")
    def broken(b: int) -> int:
        raise ValueError("nope")

    log = AsyncLog()
    result = await AsyncRunner().run(
        Graph([first, broken]), a=1, event_processors=[log], error_handling="continue"
    )
    assert result.status == "failed"
    assert kinds(log.events)[-2:] == ["NodeError", "RunEnd"]
    assert log.events[-1].status == "failed" and log.events[-1].error == "nope"
    assert log.shutdowns == 1


class SlowOnStart(AsyncEventProcessor):
    """Takes 300 ms to handle each node start; records the node durations reported."""

    def __init__(self) -> None:
        self.durations: dict[str, float] = {}

    async def on_event_async(self, event) -> None:
        if isinstance(event, NodeStartEvent):
            await asyncio.sleep(0.3)
        elif isinstance(event, NodeEndEvent):
            self.durations[event.node_name] = event.duration_ms


async def test_node_duration_excludes_the_time_processors_take():
    @node(output_name="a")
    async def left(x: int) -> int:
        await asyncio.sleep(0.02)
        return x

    @node(output_name="b")
    async def right(x: int) -> int:
        await asyncio.sleep(0.02)
        return x

    @node(output_name="c")
    async def join(a: int, b: int) -> int:
        await asyncio.sleep(0.02)
        return a + b

    slow = SlowOnStart()
    await AsyncRunner().run(Graph([left, right, join]), x=1, event_processors=[slow])
    assert set(slow.durations) == {"left", "right", "join"}
    # Each body sleeps 20 ms; every start event costs the processor 300 ms.
    assert all(20 <= ms < 200 for ms in slow.durations.values()), slow.durations
