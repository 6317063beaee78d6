"""EventProcessor defaults and TypedEventProcessor routing (docs/guides/events.md)."""

from __future__ import annotations

import dataclasses

import pytest

from hypergraph.events import (
    AsyncEventProcessor,
    CacheHitEvent,
    EventDispatcher,
    EventProcessor,
    InterruptEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RouteDecisionEvent,
    RunEndEvent,
    RunStartEvent,
    StopRequestedEvent,
    TypedEventProcessor,
)

ROUTES = {
    RunStartEvent: "on_run_start",
    RunEndEvent: "on_run_end",
    NodeStartEvent: "on_node_start",
    NodeEndEvent: "on_node_end",
    CacheHitEvent: "on_cache_hit",
    NodeErrorEvent: "on_node_error",
    RouteDecisionEvent: "on_route_decision",
    InterruptEvent: "on_interrupt",
    StopRequestedEvent: "on_stop_requested",
}


class RecordingTyped(TypedEventProcessor):
    """Overrides every typed hook and records which one received which event."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []


for _method in ROUTES.values():
    setattr(
        RecordingTyped,
        _method,
        lambda self, event, _name=_method: self.calls.append((_name, event)),
    )


@pytest.mark.parametrize(("event_class", "method"), list(ROUTES.items()))
def test_typed_processor_routes_each_event_type_to_its_method(event_class, method):
    processor = RecordingTyped()
    event = event_class("run-1")
    processor.on_event(event)
    assert processor.calls == [(method, event)]


def test_typed_processor_hooks_default_to_no_ops():
    processor = TypedEventProcessor()
    for event_class in ROUTES:
        assert processor.on_event(event_class("r")) is None


def test_typed_processor_overriding_one_hook_sees_only_that_type():
    seen = []

    class OnlyErrors(TypedEventProcessor):
        def on_node_error(self, event):
            seen.append(event.node_name)

    dispatcher = EventDispatcher([OnlyErrors()])
    for event in [
        RunStartEvent("r"),
        NodeStartEvent("r", node_name="f"),
        NodeErrorEvent("r", node_name="f", error="boom"),
        RunEndEvent("r", status="failed"),
    ]:
        dispatcher.emit(event)
    assert seen == ["f"]


def test_typed_processor_routes_by_exact_type_only():
    @dataclasses.dataclass(frozen=True)
    class CustomStart(NodeStartEvent):
        extra: int = 0

    processor = RecordingTyped()
    processor.on_event(CustomStart("r"))
    assert processor.calls == []


def test_base_processor_hooks_are_no_ops():
    processor = EventProcessor()
    assert processor.on_event(RunStartEvent("r")) is None
    assert processor.shutdown() is None


async def test_async_processor_defaults_delegate_to_sync_hooks():
    seen = []

    class SyncOnly(AsyncEventProcessor):
        def on_event(self, event):
            seen.append(event)

        def shutdown(self):
            seen.append("shutdown")

    event = RunStartEvent("r")
    dispatcher = EventDispatcher([SyncOnly()])
    await dispatcher.emit_async(event)
    await dispatcher.shutdown_async()
    assert seen == [event, "shutdown"]


def test_async_processor_is_an_event_processor():
    assert isinstance(AsyncEventProcessor(), EventProcessor)
    assert isinstance(TypedEventProcessor(), EventProcessor)
