"""Events of ``SyncRunner.map`` (docs/guides/events.md): one map span, item runs under it, nothing
if empty."""

from __future__ import annotations

import pytest

from hypergraph import Graph, SyncRunner, node
from hypergraph.events import (
    EventProcessor,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
)


class Recorder(EventProcessor):
    def __init__(self) -> None:
        self.events: list = []
        self.shutdowns = 0

    def on_event(self, event) -> None:
        self.events.append(event)

    def shutdown(self) -> None:
        self.shutdowns += 1


@node(output_name="y")
def invert(x: int) -> float:
    return 1 / x


@node(output_name="s")
def add(a: int, b: int) -> int:
    return a + b


GRAPH = Graph([invert], name="inverter")


def test_map_emits_a_map_span_with_one_run_per_item_under_it():
    recorder = Recorder()
    results = SyncRunner().map(GRAPH, x=[1, 2], map_over="x", event_processors=[recorder])
    events = recorder.events
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "RunStartEvent",
        *(["RunStartEvent", "NodeStartEvent", "NodeEndEvent", "RunEndEvent"] * 2),
        "RunEndEvent",
    ]
    map_start, map_end = events[0], events[-1]
    assert map_start.is_map and map_start.map_size == 2 and map_start.parent_span_id is None
    assert map_end.span_id == map_start.span_id and map_end.status == "completed"
    item_starts = [e for e in events[1:-1] if isinstance(e, RunStartEvent)]
    assert [e.parent_span_id for e in item_starts] == [map_start.span_id] * 2
    assert [e.run_id for e in item_starts] == [r.run_id for r in results]
    assert recorder.shutdowns == 1


def test_node_events_of_an_item_hang_under_that_item_run():
    recorder = Recorder()
    SyncRunner().map(GRAPH, x=[1], map_over="x", event_processors=[recorder])
    _, item, start, end, item_end, _ = recorder.events
    assert isinstance(start, NodeStartEvent) and isinstance(end, NodeEndEvent)
    assert start.parent_span_id == item.span_id and end.span_id == start.span_id
    assert start.run_id == item.run_id == item_end.run_id


def test_empty_map_emits_no_events():
    recorder = Recorder()
    assert SyncRunner().map(GRAPH, x=[], map_over="x", event_processors=[recorder]) == []
    assert recorder.events == []


def test_map_that_raises_ends_its_span_failed_and_shuts_processors_down():
    recorder = Recorder()
    with pytest.raises(ZeroDivisionError):
        SyncRunner().map(GRAPH, x=[1, 0, 2], map_over="x", event_processors=[recorder])
    events = recorder.events
    assert isinstance(events[-1], RunEndEvent) and events[-1].status == "failed"
    assert events[-1].span_id == events[0].span_id
    assert "division by zero" in events[-1].error
    assert sum(isinstance(e, NodeErrorEvent) for e in events) == 1
    assert sum(isinstance(e, RunStartEvent) for e in events) == 3  # map + the two items run
    assert recorder.shutdowns == 1


def test_continue_reports_failed_items_but_a_completed_map():
    recorder = Recorder()
    SyncRunner().map(
        GRAPH, x=[0, 1], map_over="x", error_handling="continue", event_processors=[recorder]
    )
    run_ends = [e for e in recorder.events if isinstance(e, RunEndEvent)]
    assert [e.status for e in run_ends] == ["failed", "completed", "completed"]


def test_processors_are_shut_down_when_the_request_is_rejected():
    recorder = Recorder()
    with pytest.raises(ValueError, match="equal lengths"):
        SyncRunner().map(
            Graph([add]),
            a=[1],
            b=[1, 2],
            map_over=["a", "b"],
            event_processors=[recorder],
        )
    assert recorder.events == [] and recorder.shutdowns == 1
