"""The event channel of a run: how events reach the processors (docs/guides/events.md).

**No processors, no events.** :func:`open_events` returns ``None`` when nothing listens, and every
hook in the run loop is guarded by one ``is None`` test on the run context, so a plain run builds
no event object at all.

**Sync and async delivery.** The run loop is synchronous code (a sans-IO generator plus the call
helpers of :mod:`hypergraph.runners.loop.call`), but ``AsyncRunner`` must *await*
``AsyncEventProcessor.on_event_async``. :class:`RunEvents` therefore has two modes: *immediate*
(``SyncRunner``: each event goes to ``EventDispatcher.emit`` at once) and *deferred*
(``AsyncRunner`` with at least one ``AsyncEventProcessor``: events queue up in emission order and
the driver delivers them with ``await events.flush()`` at its next await point: after each
``steps.send``, right after a leaf call's start (so a processor sees a long node start while it
runs) and after each call finishes). ``await events.shutdown_async()`` flushes what is
left before shutting the processors down, so nothing is ever lost or reordered.

The events themselves are built by the hooks in :mod:`hypergraph.runners.loop.event_hooks`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from hypergraph.events.dispatcher import EventDispatcher
from hypergraph.events.processor import AsyncEventProcessor

__all__ = ["RunEvents", "open_events"]


class RunEvents:
    """The event channel of one top-level ``run``/``map``, shared by its nested and item runs.

    Args:
        dispatcher: An active :class:`EventDispatcher`.
        deferred: Queue events for :meth:`flush` (AsyncRunner) instead of dispatching them
            immediately (SyncRunner); only done when an ``AsyncEventProcessor`` listens.

    ``emit(event)`` delivers an event now (immediate mode) or queues it (deferred mode). It is a
    bound callable stored on the instance, so emitting costs no extra call layer.
    """

    __slots__ = ("dispatcher", "_queue", "_delivering", "emit")

    def __init__(self, dispatcher: EventDispatcher, *, deferred: bool = False) -> None:
        self.dispatcher = dispatcher
        # Only AsyncEventProcessors need awaiting; plain ones get on_event either way, so
        # without an async processor events go out at once and flush() has nothing to do.
        needs_await = any(isinstance(p, AsyncEventProcessor) for p in dispatcher.processors)
        self._queue: deque[Any] | None = deque() if deferred and needs_await else None
        self.emit: Callable[[Any], None] = (
            dispatcher.emit if self._queue is None else self._queue.append
        )
        # Held by the flush that is delivering; see flush().
        self._delivering: asyncio.Lock | None = asyncio.Lock() if self._queue is not None else None

    @property
    def deferred(self) -> bool:
        """Whether events wait in a queue for :meth:`flush`."""
        return self._queue is not None

    async def flush(self) -> None:
        """Deliver the queued events, oldest first, through ``EventDispatcher.emit_async``.

        Concurrent calls (sibling nodes of one superstep) deliver one at a time: a flush that
        finds another one delivering waits for it. So processors get events in emission order,
        and when ``flush()`` returns, every event queued before the call has been handled, even
        one that another flush had already taken (AsyncRunner relies on this to deliver a
        node's start before the node's body runs).
        """
        queue, delivering = self._queue, self._delivering
        if queue is None or delivering is None:
            return  # immediate mode: nothing is ever queued
        if not queue and not delivering.locked():
            return
        async with delivering:
            emit_async = self.dispatcher.emit_async
            while queue:
                await emit_async(queue.popleft())

    def shutdown(self) -> None:
        """End of the top-level run/map: shut every processor down (sync path)."""
        queue = self._queue
        while queue:  # only reachable if a deferred channel is closed synchronously
            self.dispatcher.emit(queue.popleft())
        self.dispatcher.shutdown()

    async def shutdown_async(self) -> None:
        """End of the top-level run/map: deliver what is queued, then shut processors down."""
        await self.flush()
        await self.dispatcher.shutdown_async()

    def __repr__(self) -> str:
        mode = "deferred" if self._queue is not None else "immediate"
        return f"RunEvents({self.dispatcher!r}, {mode})"


def open_events(processors: Any, *, deferred: bool = False) -> RunEvents | None:
    """The event channel for a top-level run/map, or ``None`` when no processor listens.

    Raises ``TypeError`` for a malformed ``event_processors`` argument (a single processor
    instead of a list, a class instead of an instance), before anything runs.
    """
    if processors is None:
        return None
    dispatcher = EventDispatcher(processors)  # validates the argument
    if not dispatcher.active:
        return None
    return RunEvents(dispatcher, deferred=deferred)
