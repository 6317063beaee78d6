"""Events of ``AsyncRunner.run``, delivered through the async path (docs/guides/events.md)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from hypergraph import (
    END,
    AsyncRunner,
    EventProcessor,
    FunctionNode,
    Graph,
    InMemoryCache,
    RouteDecisionEvent,
    RunEndEvent,
    RunStartEvent,
    ifelse,
    interrupt,
    node,
    route,
)
from hypergraph.events import NodeEndEvent, NodeErrorEvent, NodeStartEvent, RunStatus

from ._recording import AsyncRecorder, Recorder, assert_well_formed, labels


@node(output_name="y")
async def add_one(x: int) -> int:
    await asyncio.sleep(0)
    return x + 1


@node(output_name="z")
def double(y: int) -> int:
    return y * 2


async def test_async_processor_receives_events_through_on_event_async_and_shutdown_async():
    recorder = AsyncRecorder()
    graph = Graph([add_one, double], name="chain")
    result = await AsyncRunner().run(graph, x=1, event_processors=[recorder])
    assert labels(recorder.events) == [
        ("RunStart", "chain"),
        ("NodeStart", "add_one"),
        ("NodeEnd", "add_one"),
        ("NodeStart", "double"),
        ("NodeEnd", "double"),
        ("RunEnd", "chain"),
    ]
    assert recorder.sync_calls == 0
    assert (recorder.async_shutdowns, recorder.sync_shutdowns) == (1, 0)
    assert {e.run_id for e in recorder.events} == {result.run_id}
    assert_well_formed(recorder.events)


async def test_plain_processor_still_works_under_async_runner():
    recorder = Recorder()
    await AsyncRunner().run(Graph([add_one, double]), x=1, event_processors=[recorder])
    assert len(recorder.events) == 6 and recorder.shutdowns == 1


async def test_async_events_are_delivered_before_the_run_returns():
    class SlowAsync(AsyncRecorder):
        async def on_event_async(self, event):
            await asyncio.sleep(0)
            self.events.append(event)

    recorder = SlowAsync()
    await AsyncRunner().run(Graph([add_one, double]), x=1, event_processors=[recorder])
    assert isinstance(recorder.events[-1], RunEndEvent)
    assert len(recorder.events) == 6


async def test_concurrent_nodes_each_get_a_well_formed_span():
    @node(output_name="a")
    async def left(x: int) -> int:
        await asyncio.sleep(0.001)
        return x

    @node(output_name="b")
    async def right(x: int) -> int:
        return -x

    recorder = Recorder()
    await AsyncRunner().run(Graph([left, right]), x=1, event_processors=[recorder])
    assert_well_formed(recorder.events)
    starts = [e.node_name for e in recorder.events if isinstance(e, NodeStartEvent)]
    ends = [e.node_name for e in recorder.events if isinstance(e, NodeEndEvent)]
    assert sorted(starts) == sorted(ends) == ["left", "right"]


async def test_branch_sequence_is_exact():
    @ifelse(when_true="double", when_false=END)
    def big_enough(y: int) -> bool:
        return y > 1

    recorder = AsyncRecorder()
    await AsyncRunner().run(
        Graph([add_one, big_enough, double], name="branch"), x=1, event_processors=[recorder]
    )
    assert labels(recorder.events) == [
        ("RunStart", "branch"),
        ("NodeStart", "add_one"),
        ("NodeEnd", "add_one"),
        ("NodeStart", "big_enough"),
        ("RouteDecision", "big_enough"),
        ("NodeEnd", "big_enough"),
        ("NodeStart", "double"),
        ("NodeEnd", "double"),
        ("RunEnd", "branch"),
    ]
    assert_well_formed(recorder.events)


async def test_loop_sequence_is_exact_and_reports_each_decision():
    @node(output_name="count")
    async def increment(count: int) -> int:
        return count + 1

    @route(targets=["increment", END])
    def again(count: int):
        return END if count >= 2 else "increment"

    recorder = Recorder()
    result = await AsyncRunner().run(
        Graph([increment, again], name="loop"), count=0, event_processors=[recorder]
    )
    assert result["count"] == 2
    gate_turn = [("NodeStart", "again"), ("RouteDecision", "again"), ("NodeEnd", "again")]
    body_turn = [("NodeStart", "increment"), ("NodeEnd", "increment")]
    assert labels(recorder.events) == [
        ("RunStart", "loop"),
        *gate_turn,
        *(body_turn + gate_turn) * 2,
        ("RunEnd", "loop"),
    ]
    decisions = [e.decision for e in recorder.events if isinstance(e, RouteDecisionEvent)]
    assert decisions == ["increment", "increment", END]
    assert_well_formed(recorder.events)


async def test_nested_run_hangs_under_graph_node_span():
    inner = Graph([add_one], name="inner")
    recorder = AsyncRecorder()
    await AsyncRunner().run(
        Graph([inner.as_node(), double], name="outer"), x=1, event_processors=[recorder]
    )
    assert labels(recorder.events) == [
        ("RunStart", "outer"),
        ("NodeStart", "inner"),
        ("RunStart", "inner"),
        ("NodeStart", "add_one"),
        ("NodeEnd", "add_one"),
        ("RunEnd", "inner"),
        ("NodeEnd", "inner"),
        ("NodeStart", "double"),
        ("NodeEnd", "double"),
        ("RunEnd", "outer"),
    ]
    outer, graph_node, inner_run = recorder.events[:3]
    assert inner_run.parent_span_id == graph_node.span_id
    assert inner_run.run_id != outer.run_id
    assert_well_formed(recorder.events)


async def test_failing_async_node_emits_error_and_failed_run_end():
    @node(output_name="z")
    async def explode(y: int) -> int:
        raise ValueError("async boom")

    recorder = AsyncRecorder()
    with pytest.raises(ValueError, match="async boom"):
        await AsyncRunner().run(
            Graph([add_one, explode], name="boom"), x=1, event_processors=[recorder]
        )
    assert labels(recorder.events)[-3:] == [
        ("NodeStart", "explode"),
        ("NodeError", "explode"),
        ("RunEnd", "boom"),
    ]
    error, end = recorder.events[-2:]
    assert isinstance(error, NodeErrorEvent) and error.error_type == "builtins.ValueError"
    assert end.status is RunStatus.FAILED and end.error == "async boom"
    assert recorder.async_shutdowns == 1
    assert_well_formed(recorder.events)


async def test_cache_hit_under_async_runner():
    calls: list[int] = []

    @node(output_name="y", cache=True)
    async def fetch(x: int) -> int:
        calls.append(x)
        return x * 100

    runner = AsyncRunner(cache=InMemoryCache())
    await runner.run(Graph([fetch]), x=1)
    recorder = AsyncRecorder()
    result = await runner.run(Graph([fetch], name="g"), x=1, event_processors=[recorder])
    assert result["y"] == 100 and calls == [1]
    assert labels(recorder.events) == [
        ("RunStart", "g"),
        ("NodeStart", "fetch"),
        ("CacheHit", "fetch"),
        ("NodeEnd", "fetch"),
        ("RunEnd", "g"),
    ]
    assert recorder.events[3].cached is True


async def test_paused_interrupt_emits_no_run_end_and_no_end_for_the_interrupt():
    @node(output_name="draft")
    def write(topic: str) -> str:
        return f"Notes on {topic}"

    @interrupt(output_name="verdict")
    def review(draft: str) -> str | None:
        return None

    @node(output_name="published")
    def publish(draft: str, verdict: str) -> str:
        return f"{draft} [{verdict}]"

    graph = Graph([write, review, publish], name="review_flow")
    recorder = AsyncRecorder()
    paused = await AsyncRunner().run(graph, topic="owls", event_processors=[recorder])
    assert paused.paused
    assert labels(recorder.events) == [
        ("RunStart", "review_flow"),
        ("NodeStart", "write"),
        ("NodeEnd", "write"),
        ("NodeStart", "review"),
    ]
    assert recorder.async_shutdowns == 1
    assert_well_formed(recorder.events, paused=True)

    resumed_recorder = AsyncRecorder()
    done = await AsyncRunner().run(
        graph, {"topic": "owls", "verdict": "ok"}, event_processors=[resumed_recorder]
    )
    assert done["published"] == "Notes on owls [ok]"
    assert labels(resumed_recorder.events)[-3:] == [
        ("NodeStart", "publish"),
        ("NodeEnd", "publish"),
        ("RunEnd", "review_flow"),
    ]
    assert_well_formed(resumed_recorder.events)


async def test_nested_pause_leaves_inner_and_outer_runs_open():
    @interrupt(output_name="y")
    def approval(x: int) -> int | None:
        return None

    inner = Graph([approval], name="inner")
    recorder = Recorder()
    result = await AsyncRunner().run(
        Graph([inner.as_node()], name="outer"), x=1, event_processors=[recorder]
    )
    assert result.paused and result.pause.node_name == "inner/approval"
    assert labels(recorder.events) == [
        ("RunStart", "outer"),
        ("NodeStart", "inner"),
        ("RunStart", "inner"),
        ("NodeStart", "approval"),
    ]


async def test_raising_processor_does_not_break_an_async_run(caplog):
    class Broken(EventProcessor):
        def on_event(self, event):
            raise RuntimeError("bad processor")

    recorder = AsyncRecorder()
    with caplog.at_level(logging.ERROR, logger="hypergraph.events"):
        result = await AsyncRunner().run(
            Graph([add_one, double]), x=1, event_processors=[Broken(), recorder]
        )
    assert result["z"] == 4 and len(recorder.events) == 6
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


async def test_sync_and_async_processors_see_the_same_ordered_stream():
    plain, awaited = Recorder(), AsyncRecorder()
    inner = Graph([add_one], name="inner")
    await AsyncRunner().run(
        Graph([inner.as_node(), double], name="outer"), x=1, event_processors=[plain, awaited]
    )
    assert plain.events == awaited.events
    assert awaited.sync_calls == 0 and len(awaited.events) == 10
    assert (plain.shutdowns, awaited.async_shutdowns) == (1, 1)


class StartWatcher(AsyncRecorder):
    """Remembers which nodes it has been told about through ``NodeStartEvent``."""

    def __init__(self) -> None:
        super().__init__()
        self.started: set[str] = set()

    async def on_event_async(self, event) -> None:
        await asyncio.sleep(0)  # a real processor may await I/O here
        await super().on_event_async(event)
        if isinstance(event, NodeStartEvent):
            self.started.add(event.node_name)


@pytest.mark.parametrize("max_concurrency", [None, 2])
async def test_async_processor_sees_a_node_start_while_the_node_runs(max_concurrency):
    watcher = StartWatcher()

    @node(output_name="seen")
    async def long_task(x: int) -> bool:
        return "long_task" in watcher.started

    inner = Graph([long_task], name="inner")
    outer = Graph([inner.as_node(name="nested").with_outputs(seen="nested_seen"), long_task])
    result = await AsyncRunner().run(
        outer, x=1, max_concurrency=max_concurrency, event_processors=[watcher]
    )
    assert result["seen"] is True and result["nested_seen"] is True
    assert_well_formed(watcher.events)


async def test_async_processor_sees_a_threaded_sync_node_start_while_it_runs():
    watcher = StartWatcher()

    @node(output_name="seen")
    def blocking_task(x: int) -> bool:
        return "blocking_task" in watcher.started

    result = await AsyncRunner(sync_nodes_in_threads=True).run(
        Graph([blocking_task]), x=1, event_processors=[watcher]
    )
    assert result["seen"] is True


async def test_run_validation_error_still_shuts_async_processors_down_without_events():
    recorder = AsyncRecorder()
    with pytest.raises(Exception, match="Missing required inputs"):
        await AsyncRunner().run(Graph([add_one]), event_processors=[recorder])
    assert recorder.events == []
    assert (recorder.async_shutdowns, recorder.sync_shutdowns) == (1, 0)


async def test_map_validation_error_still_shuts_async_processors_down_without_events():
    recorder = AsyncRecorder()
    with pytest.raises(ValueError, match="equal lengths"):
        await AsyncRunner().map(
            Graph([add_one, double]),
            x=[1, 2],
            y=[1],
            map_over=["x", "y"],
            event_processors=[recorder],
        )
    assert recorder.events == [] and recorder.async_shutdowns == 1


async def test_empty_async_map_emits_no_events_but_shuts_processors_down():
    recorder, plain = AsyncRecorder(), Recorder()
    results = await AsyncRunner().map(
        Graph([add_one]), x=[], map_over="x", event_processors=[recorder, plain]
    )
    assert results == []
    assert recorder.events == [] and plain.events == []
    assert (recorder.async_shutdowns, plain.shutdowns) == (1, 1)


async def test_slow_async_processor_gets_concurrent_events_in_emission_order():
    class SlowRecorder(AsyncRecorder):
        async def on_event_async(self, event) -> None:
            # Suspends mid-delivery, longer for some events, while sibling nodes keep emitting.
            for _ in range(3 if isinstance(event, NodeStartEvent) else 1):
                await asyncio.sleep(0)
            self.events.append(event)

    def make_worker(index: int):
        async def work(x: int) -> int:
            for _ in range(index % 3):
                await asyncio.sleep(0)
            return x + index

        return FunctionNode(work, name=f"work_{index}", output_name=f"out_{index}")

    recorder = SlowRecorder()
    graph = Graph([make_worker(i) for i in range(8)], name="fan_out")
    # A small pool staggers the starts, so ends and starts of different nodes overlap.
    await AsyncRunner().run(graph, x=1, max_concurrency=2, event_processors=[recorder])
    assert len(recorder.events) == 2 + 2 * 8
    assert_well_formed(recorder.events)
    stamps = [event.timestamp for event in recorder.events]
    assert stamps == sorted(stamps), "events must arrive in the order they were emitted"


async def test_concurrent_graph_nodes_hang_their_runs_under_their_own_spans():
    @node(output_name="y")
    async def slow_echo(x: int) -> int:
        await asyncio.sleep(0.001)
        return x

    inner = Graph([slow_echo], name="inner")
    left = inner.as_node(name="left").with_outputs(y="left_y")
    right = inner.as_node(name="right").with_outputs(y="right_y")
    recorder = Recorder()
    await AsyncRunner().run(Graph([left, right], name="outer"), x=1, event_processors=[recorder])
    assert_well_formed(recorder.events)
    node_spans = {e.span_id: e for e in recorder.events if isinstance(e, NodeStartEvent)}
    nested = [e for e in recorder.events if isinstance(e, RunStartEvent) and e.parent_span_id]
    assert sorted(node_spans[e.parent_span_id].node_name for e in nested) == ["left", "right"]
    assert len({e.run_id for e in nested}) == 2
    # Each inner node hangs under the nested run started by its own GraphNode.
    by_run = {e.span_id: node_spans[e.parent_span_id].node_name for e in nested}
    echo_owners = [
        by_run[e.parent_span_id] for e in node_spans.values() if e.node_name == "slow_echo"
    ]
    assert sorted(echo_owners) == ["left", "right"]


async def test_map_over_nests_a_map_span_with_one_run_per_item_under_the_graph_node():
    inner = Graph([add_one], name="inner")
    mapped = inner.as_node(name="each").map_over("x")
    recorder = Recorder()
    result = await AsyncRunner().run(
        Graph([mapped], name="outer"), x=[1, 2, 3], event_processors=[recorder]
    )
    assert result["y"] == [2, 3, 4]
    assert_well_formed(recorder.events)
    graph_node = next(e for e in recorder.events if isinstance(e, NodeStartEvent))
    assert graph_node.node_name == "each"
    maps = [e for e in recorder.events if isinstance(e, RunStartEvent) and e.is_map]
    assert len(maps) == 1 and maps[0].map_size == 3
    assert maps[0].parent_span_id == graph_node.span_id
    items = [e for e in recorder.events if isinstance(e, RunStartEvent) and not e.is_map]
    items = [e for e in items if e.parent_span_id == maps[0].span_id]
    assert len(items) == 3 and len({e.run_id for e in items}) == 3
    map_end = next(
        e for e in recorder.events if isinstance(e, RunEndEvent) and e.span_id == maps[0].span_id
    )
    ends = [e for e in recorder.events if isinstance(e, NodeEndEvent)]
    assert ends[-1].node_name == "each"
    assert recorder.events.index(map_end) < recorder.events.index(ends[-1])
