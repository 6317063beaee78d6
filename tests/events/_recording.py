"""Test helpers: a processor that records what runners emit, and views over the recording."""

from __future__ import annotations

from hypergraph.events import (
    AsyncEventProcessor,
    Event,
    EventProcessor,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
)


class Recorder(EventProcessor):
    """Keeps every event and counts shutdowns."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.shutdowns = 0

    def on_event(self, event: Event) -> None:
        self.events.append(event)

    def shutdown(self) -> None:
        self.shutdowns += 1


class AsyncRecorder(AsyncEventProcessor):
    """Records which hook delivered each event (``on_event`` vs ``on_event_async``)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.sync_calls = 0
        self.async_shutdowns = 0
        self.sync_shutdowns = 0

    def on_event(self, event: Event) -> None:
        self.sync_calls += 1
        self.events.append(event)

    async def on_event_async(self, event: Event) -> None:
        self.events.append(event)

    def shutdown(self) -> None:
        self.sync_shutdowns += 1

    async def shutdown_async(self) -> None:
        self.async_shutdowns += 1


def label(event: Event) -> tuple[str, str | None]:
    """``("NodeStart", "a")``, ``("RunStart", "graph")``: type without ``Event`` and a name."""
    kind = type(event).__name__.removesuffix("Event")
    name = getattr(event, "node_name", None)
    if name is None:
        name = getattr(event, "graph_name", None)
    return kind, name


def labels(events: list[Event]) -> list[tuple[str, str | None]]:
    return [label(e) for e in events]


def runs(events: list[Event]) -> list[RunStartEvent]:
    return [e for e in events if isinstance(e, RunStartEvent)]


def assert_well_formed(events: list[Event], *, paused: bool = False) -> None:
    """Check the span rules of docs/guides/events.md on a whole recording.

    Every run start has one end with the same span, run id and parent (unless ``paused``);
    node events name their run's span as parent and carry its run id; each node execution's
    start, end/error share one span id; run spans are all distinct.
    """
    starts = {e.span_id: e for e in events if isinstance(e, RunStartEvent)}
    assert len(starts) == len(runs(events)), "run spans must be unique"
    ends = [e for e in events if isinstance(e, RunEndEvent)]
    for end in ends:
        start = starts[end.span_id]
        assert (end.run_id, end.parent_span_id) == (start.run_id, start.parent_span_id)
        assert end.duration_ms > 0
    if not paused:
        assert len(ends) == len(starts), "every run must end"
    node_starts: dict[str, NodeStartEvent] = {}
    for event in events:
        if isinstance(event, RunStartEvent | RunEndEvent):
            continue
        run = starts[event.parent_span_id]
        assert event.run_id == run.run_id
        assert event.graph_name == run.graph_name
        if isinstance(event, NodeStartEvent):
            assert event.span_id not in node_starts, "node spans must be unique"
            node_starts[event.span_id] = event
        elif isinstance(event, NodeEndEvent | NodeErrorEvent):
            start = node_starts[event.span_id]
            assert start.node_name == event.node_name
