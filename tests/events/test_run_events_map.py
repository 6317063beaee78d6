"""Events of ``runner.map`` under both runners, and progress bars during a real map."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from hypergraph import AsyncRunner, Graph, InMemoryCache, RunStartEvent, SyncRunner, node
from hypergraph.events import RunEndEvent, RunStatus
from hypergraph.events.rich_progress import RichProgressProcessor

from ._recording import AsyncRecorder, Recorder, assert_well_formed, labels, runs


@node(output_name="y")
def checked_half(x: int) -> int:
    if x < 0:
        raise ValueError(f"negative: {x}")
    return x // 2


GRAPH = Graph([checked_half], name="halver")


async def run_map(runner_kind: str, *args, **kwargs):
    if runner_kind == "sync":
        return SyncRunner(**kwargs.pop("runner_options", {})).map(*args, **kwargs)
    return await AsyncRunner(**kwargs.pop("runner_options", {})).map(*args, **kwargs)


def item_runs(events) -> list[RunStartEvent]:
    return [e for e in runs(events) if not e.is_map]


@pytest.mark.parametrize("runner_kind", ["sync", "async"])
async def test_map_frames_one_run_per_item_under_the_map_span(runner_kind):
    recorder = Recorder()
    results = await run_map(
        runner_kind, GRAPH, {"x": [2, 4, 6]}, map_over="x", event_processors=[recorder]
    )
    assert [r["y"] for r in results] == [1, 2, 3]
    map_start, map_end = recorder.events[0], recorder.events[-1]
    assert map_start.is_map and map_start.map_size == 3 and map_start.parent_span_id is None
    assert isinstance(map_end, RunEndEvent) and map_end.span_id == map_start.span_id
    assert map_end.status is RunStatus.COMPLETED
    items = item_runs(recorder.events)
    assert len(items) == 3 and all(e.parent_span_id == map_start.span_id for e in items)
    assert {e.run_id for e in items} == {r.run_id for r in results}
    assert recorder.shutdowns == 1
    assert_well_formed(recorder.events)


def test_sync_map_event_sequence_is_exact():
    recorder = Recorder()
    SyncRunner().map(GRAPH, {"x": [2, 4]}, map_over="x", event_processors=[recorder])
    item = [
        ("RunStart", "halver"),
        ("NodeStart", "checked_half"),
        ("NodeEnd", "checked_half"),
        ("RunEnd", "halver"),
    ]
    assert labels(recorder.events) == [("RunStart", "halver"), *item, *item, ("RunEnd", "halver")]


@pytest.mark.parametrize("runner_kind", ["sync", "async"])
async def test_map_with_failing_item_continue_completes_the_map(runner_kind):
    recorder = Recorder()
    results = await run_map(
        runner_kind,
        GRAPH,
        {"x": [2, -1, 4]},
        map_over="x",
        error_handling="continue",
        event_processors=[recorder],
    )
    assert [r.status for r in results] == ["completed", "failed", "completed"]
    ends = {e.span_id: e for e in recorder.events if isinstance(e, RunEndEvent)}
    statuses = [ends[item.span_id].status for item in item_runs(recorder.events)]
    assert sorted(statuses) == ["completed", "completed", "failed"]
    assert ends[recorder.events[0].span_id].status is RunStatus.COMPLETED
    errors = [e for e in recorder.events if type(e).__name__ == "NodeErrorEvent"]
    assert [e.error for e in errors] == ["negative: -1"]
    assert_well_formed(recorder.events)


@pytest.mark.parametrize("runner_kind", ["sync", "async"])
async def test_map_that_raises_ends_failed_and_still_shuts_down(runner_kind):
    recorder = Recorder()
    with pytest.raises(ValueError, match="negative: -1"):
        await run_map(runner_kind, GRAPH, {"x": [-1]}, map_over="x", event_processors=[recorder])
    map_end = recorder.events[-1]
    assert isinstance(map_end, RunEndEvent) and map_end.span_id == recorder.events[0].span_id
    assert map_end.status is RunStatus.FAILED and map_end.error == "negative: -1"
    assert recorder.shutdowns == 1


@pytest.mark.parametrize("runner_kind", ["sync", "async"])
async def test_empty_map_emits_no_events(runner_kind):
    recorder = Recorder()
    assert (
        await run_map(runner_kind, GRAPH, {"x": []}, map_over="x", event_processors=[recorder])
        == []
    )
    assert recorder.events == []


async def test_async_map_delivers_through_on_event_async():
    recorder = AsyncRecorder()
    await AsyncRunner().map(GRAPH, {"x": [2, 4]}, map_over="x", event_processors=[recorder])
    assert recorder.sync_calls == 0 and recorder.async_shutdowns == 1
    assert len(recorder.events) == 2 + 2 * 4
    assert_well_formed(recorder.events)


@pytest.mark.parametrize("runner_kind", ["sync", "async"])
async def test_map_items_hit_the_cache(runner_kind):
    calls: list[int] = []

    @node(output_name="y", cache=True)
    def slow_square(x: int) -> int:
        calls.append(x)
        return x * x

    cache = InMemoryCache()
    graph = Graph([slow_square])
    options = {"map_over": "x", "runner_options": {"cache": cache}}
    first = await run_map(runner_kind, graph, {"x": [1, 2]}, **options)
    recorder = Recorder()
    second = await run_map(
        runner_kind, graph, {"x": [2, 1, 3]}, event_processors=[recorder], **options
    )
    assert [r["y"] for r in first] == [1, 4] and [r["y"] for r in second] == [4, 1, 9]
    assert calls == [1, 2, 3]
    hits = [e for e in recorder.events if type(e).__name__ == "CacheHitEvent"]
    assert len(hits) == 2


def test_rich_progress_during_a_real_map_reports_total_done_and_failed():
    output = io.StringIO()
    console = Console(file=output, force_terminal=False, width=120, color_system=None)
    progress = RichProgressProcessor(console=console)
    results = SyncRunner().map(
        GRAPH,
        {"x": [2, -1, 4, -3, 6]},
        map_over="x",
        error_handling="continue",
        event_processors=[progress],
    )
    assert [r.status for r in results].count("failed") == 2
    text = output.getvalue()
    assert "halver Progress" in text
    assert "5/5" in text  # all five items done
    assert "(2 failed)" in text
    assert "completed (5 items, 2 failed)" in text
    assert "checked_half (2 failed) 3/5" in text  # a count of failures, not "FAILED"
