"""Fan events out to processors without letting a broken processor break the run
(docs/guides/events.md).

Runners build one dispatcher per top-level ``run``/``map`` and check :attr:`EventDispatcher.active`
before creating any event, so a run without processors pays one attribute read per would-be
event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from hypergraph._short_repr import short_repr
from hypergraph.events.processor import AsyncEventProcessor, EventProcessor
from hypergraph.events.types import Event

__all__ = ["EventDispatcher"]

logger = logging.getLogger("hypergraph.events")


def _check_processors(processors: Iterable[EventProcessor] | None) -> tuple[EventProcessor, ...]:
    """Validate the user's list early, so a mistake fails at run start with a clear message."""
    if processors is None:
        return ()
    if isinstance(processors, EventProcessor) or not isinstance(processors, Iterable):
        raise TypeError(
            f"event_processors must be a list of processors, got {short_repr(processors)}. Wrap a "
            "single processor in a list: event_processors=[processor]."
        )
    checked = tuple(processors)
    for processor in checked:
        if isinstance(processor, type):
            raise TypeError(
                f"event_processors got the class {processor.__name__} instead of an instance; "
                f"pass {processor.__name__}() instead."
            )
        if not callable(getattr(processor, "on_event", None)):
            raise TypeError(
                f"event processor {short_repr(processor)} has no on_event(event) method; subclass "
                "hypergraph.EventProcessor (or TypedEventProcessor) and override it."
            )
    return checked


class EventDispatcher:
    """Sends each event to every processor, in order, isolating processor failures.

    Args:
        processors: The processors to notify; ``None`` or empty makes the dispatcher inactive.
        strict: Re-raise a processor's exception instead of logging it (handy in tests).

    A processor that raises is logged once (logger ``hypergraph.events``, naming the processor
    class and the event type); its later failures are only logged at DEBUG level. The other
    processors keep receiving events either way.
    """

    __slots__ = ("_processors", "_async_flags", "_active", "_strict", "_already_reported")

    def __init__(
        self,
        processors: Iterable[EventProcessor] | None = None,
        *,
        strict: bool = False,
    ) -> None:
        self._processors = _check_processors(processors)
        self._async_flags = tuple(isinstance(p, AsyncEventProcessor) for p in self._processors)
        self._active = bool(self._processors)
        self._strict = strict
        self._already_reported: set[int] = set()

    @property
    def active(self) -> bool:
        """Whether at least one processor is attached (runners skip building events if not)."""
        return self._active

    @property
    def processors(self) -> tuple[EventProcessor, ...]:
        """The attached processors, in dispatch order."""
        return self._processors

    @property
    def strict(self) -> bool:
        """Whether processor exceptions are re-raised instead of logged."""
        return self._strict

    def emit(self, event: Event) -> None:
        """Call ``on_event`` of each processor, in order."""
        for processor in self._processors:
            try:
                processor.on_event(event)
            except Exception as exc:
                self._report(processor, event, exc)

    async def emit_async(self, event: Event) -> None:
        """Await ``on_event_async`` of async processors; call ``on_event`` of the others."""
        for processor, is_async in zip(self._processors, self._async_flags):
            try:
                if is_async:
                    await processor.on_event_async(event)  # type: ignore[attr-defined]
                else:
                    processor.on_event(event)
            except Exception as exc:
                self._report(processor, event, exc)

    def shutdown(self) -> None:
        """Call ``shutdown`` of each processor (errors isolated like ``emit``)."""
        for processor in self._processors:
            try:
                processor.shutdown()
            except Exception as exc:
                self._report_shutdown(processor, exc)

    async def shutdown_async(self) -> None:
        """Await ``shutdown_async`` of async processors; call ``shutdown`` of the others."""
        for processor, is_async in zip(self._processors, self._async_flags):
            try:
                if is_async:
                    await processor.shutdown_async()  # type: ignore[attr-defined]
                else:
                    processor.shutdown()
            except Exception as exc:
                self._report_shutdown(processor, exc)

    def _report(self, processor: EventProcessor, event: Event, exc: Exception) -> None:
        if self._strict:
            raise exc
        processor_name = type(processor).__qualname__
        event_name = type(event).__name__
        if id(processor) in self._already_reported:
            # A processor failing on every event would otherwise flood the log.
            logger.debug(
                "Event processor %s failed again on %s: %r", processor_name, event_name, exc
            )
            return
        self._already_reported.add(id(processor))
        logger.error(
            "Event processor %s raised while handling %s; the run continues and the other "
            "processors still receive events (further errors from this processor are logged at "
            "DEBUG level). Fix the processor, or pass strict=True to EventDispatcher to re-raise.",
            processor_name,
            event_name,
            exc_info=exc,
        )

    def _report_shutdown(self, processor: EventProcessor, exc: Exception) -> None:
        if self._strict:
            raise exc
        logger.error(
            "Event processor %s raised in shutdown(); the other processors were still shut down.",
            type(processor).__qualname__,
            exc_info=exc,
        )

    def __repr__(self) -> str:
        names = ", ".join(type(p).__name__ for p in self._processors)
        return f"EventDispatcher([{names}], strict={self._strict})"


def __getattr__(name: str) -> object:
    # docs/reference/index.md makes every public events name importable from each events submodule;
    # names defined in a sibling module resolve lazily through the package to avoid import cycles.
    import hypergraph.events as events_package

    if name in events_package.__all__:
        return getattr(events_package, name)
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
