"""EventDispatcher: order, error isolation, strict mode, async path (docs/guides/events.md)."""

from __future__ import annotations

import logging

import pytest

from hypergraph.events import (
    AsyncEventProcessor,
    EventDispatcher,
    EventProcessor,
    NodeEndEvent,
    NodeStartEvent,
    RunStartEvent,
)


class Recorder(EventProcessor):
    """Appends (label, event) to a shared journal so tests can check the order of calls."""

    def __init__(self, label: str, journal: list) -> None:
        self.label = label
        self.journal = journal
        self.shutdowns = 0

    def on_event(self, event):
        self.journal.append((self.label, event))

    def shutdown(self):
        self.shutdowns += 1
        self.journal.append((self.label, "shutdown"))


class Exploding(EventProcessor):
    def on_event(self, event):
        raise RuntimeError("processor bug")

    def shutdown(self):
        raise RuntimeError("shutdown bug")


class AsyncRecorder(AsyncEventProcessor):
    def __init__(self, journal: list) -> None:
        self.journal = journal

    def on_event(self, event):
        self.journal.append(("sync", event))

    async def on_event_async(self, event):
        self.journal.append(("async", event))

    def shutdown(self):
        self.journal.append(("sync", "shutdown"))

    async def shutdown_async(self):
        self.journal.append(("async", "shutdown"))


def test_dispatcher_without_processors_is_inactive():
    assert EventDispatcher().active is False
    assert EventDispatcher([]).active is False
    assert EventDispatcher(None).active is False


def test_dispatcher_with_a_processor_is_active():
    assert EventDispatcher([EventProcessor()]).active is True


def test_emit_calls_processors_in_order_for_every_event():
    journal: list = []
    dispatcher = EventDispatcher([Recorder("first", journal), Recorder("second", journal)])
    start, end = NodeStartEvent("r", node_name="f"), NodeEndEvent("r", node_name="f")
    dispatcher.emit(start)
    dispatcher.emit(end)
    assert journal == [("first", start), ("second", start), ("first", end), ("second", end)]


def test_raising_processor_does_not_stop_the_others(caplog):
    journal: list = []
    dispatcher = EventDispatcher([Exploding(), Recorder("after", journal)])
    event = RunStartEvent("r")
    with caplog.at_level(logging.DEBUG, logger="hypergraph.events"):
        dispatcher.emit(event)
    assert journal == [("after", event)]


def test_processor_error_is_logged_once_naming_processor_and_event(caplog):
    dispatcher = EventDispatcher([Exploding(), Recorder("other", [])])
    with caplog.at_level(logging.ERROR, logger="hypergraph.events"):
        dispatcher.emit(RunStartEvent("r"))
        dispatcher.emit(NodeStartEvent("r"))
        dispatcher.emit(NodeEndEvent("r"))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].name == "hypergraph.events"
    message = errors[0].getMessage()
    assert "Exploding" in message
    assert "RunStartEvent" in message
    assert errors[0].exc_info is not None


def test_each_failing_processor_is_logged_once(caplog):
    class AlsoExploding(Exploding):
        pass

    dispatcher = EventDispatcher([Exploding(), AlsoExploding()])
    with caplog.at_level(logging.ERROR, logger="hypergraph.events"):
        for _ in range(3):
            dispatcher.emit(RunStartEvent("r"))
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(messages) == 2
    assert any("AlsoExploding" in m for m in messages)


def test_strict_mode_reraises_the_processor_error():
    dispatcher = EventDispatcher([Exploding()], strict=True)
    with pytest.raises(RuntimeError, match="processor bug"):
        dispatcher.emit(RunStartEvent("r"))


def test_keyboard_interrupt_from_a_processor_is_not_swallowed():
    class Interrupting(EventProcessor):
        def on_event(self, event):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        EventDispatcher([Interrupting()]).emit(RunStartEvent("r"))


def test_shutdown_calls_every_processor_once_even_if_one_fails(caplog):
    journal: list = []
    first, last = Recorder("first", journal), Recorder("last", journal)
    dispatcher = EventDispatcher([first, Exploding(), last])
    with caplog.at_level(logging.ERROR, logger="hypergraph.events"):
        dispatcher.shutdown()
    assert (first.shutdowns, last.shutdowns) == (1, 1)
    assert journal == [("first", "shutdown"), ("last", "shutdown")]
    assert any("Exploding" in r.getMessage() for r in caplog.records)


def test_strict_shutdown_reraises():
    with pytest.raises(RuntimeError, match="shutdown bug"):
        EventDispatcher([Exploding()], strict=True).shutdown()


async def test_emit_async_awaits_async_hook_and_calls_sync_hook_of_plain_processors():
    journal: list = []
    dispatcher = EventDispatcher([AsyncRecorder(journal), Recorder("plain", journal)])
    event = RunStartEvent("r")
    await dispatcher.emit_async(event)
    assert journal == [("async", event), ("plain", event)]


def test_sync_emit_uses_on_event_of_async_processors():
    journal: list = []
    event = RunStartEvent("r")
    EventDispatcher([AsyncRecorder(journal)]).emit(event)
    assert journal == [("sync", event)]


async def test_shutdown_async_awaits_async_processors_and_calls_sync_ones():
    journal: list = []
    plain = Recorder("plain", journal)
    await EventDispatcher([AsyncRecorder(journal), plain]).shutdown_async()
    assert journal == [("async", "shutdown"), ("plain", "shutdown")]


async def test_emit_async_isolates_errors_of_async_processors(caplog):
    class AsyncExploding(AsyncEventProcessor):
        async def on_event_async(self, event):
            raise ValueError("async bug")

    journal: list = []
    dispatcher = EventDispatcher([AsyncExploding(), Recorder("after", journal)])
    with caplog.at_level(logging.ERROR, logger="hypergraph.events"):
        await dispatcher.emit_async(RunStartEvent("r"))
    assert len(journal) == 1
    assert "AsyncExploding" in caplog.text


async def test_emit_async_strict_reraises():
    class AsyncExploding(AsyncEventProcessor):
        async def on_event_async(self, event):
            raise ValueError("async bug")

    with pytest.raises(ValueError, match="async bug"):
        await EventDispatcher([AsyncExploding()], strict=True).emit_async(RunStartEvent("r"))


def test_duck_typed_processor_with_on_event_is_accepted():
    received = []

    class Duck:
        def on_event(self, event):
            received.append(event)

        def shutdown(self):
            pass

    event = RunStartEvent("r")
    EventDispatcher([Duck()]).emit(event)  # type: ignore[list-item]
    assert received == [event]


def test_processor_class_instead_of_instance_is_rejected_with_a_fix():
    with pytest.raises(TypeError, match=r"pass Recorder\(\) instead"):
        EventDispatcher([Recorder])  # type: ignore[list-item]


def test_single_processor_not_in_a_list_is_rejected_with_a_fix():
    with pytest.raises(TypeError, match=r"event_processors=\[processor\]"):
        EventDispatcher(EventProcessor())  # type: ignore[arg-type]


def test_object_without_on_event_is_rejected():
    with pytest.raises(TypeError, match="no on_event"):
        EventDispatcher([object()])  # type: ignore[list-item]
