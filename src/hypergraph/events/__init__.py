"""Execution events: types, processors and the dispatcher (docs/guides/events.md).

Pass processors to a runner (``runner.run(graph, ..., event_processors=[...])``) to observe runs:
:class:`RunStartEvent`/:class:`RunEndEvent` frame every run, node events frame every node
execution, and span ids link them into a tree. ``RichProgressProcessor`` (extra ``progress``)
lives in :mod:`hypergraph.events.rich_progress` and is loaded only when asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypergraph.events.dispatcher import EventDispatcher
from hypergraph.events.processor import AsyncEventProcessor, EventProcessor, TypedEventProcessor
from hypergraph.events.types import (
    BaseEvent,
    CacheHitEvent,
    Event,
    InterruptEvent,
    NodeAttemptEndEvent,
    NodeAttemptStartEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RouteDecisionEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
    StopRequestedEvent,
)

__all__ = [
    "BaseEvent",
    "Event",
    "RunStatus",
    "RunStartEvent",
    "RunEndEvent",
    "NodeStartEvent",
    "NodeEndEvent",
    "CacheHitEvent",
    "NodeErrorEvent",
    "NodeAttemptStartEvent",
    "NodeAttemptEndEvent",
    "RouteDecisionEvent",
    "InterruptEvent",
    "StopRequestedEvent",
    "EventProcessor",
    "AsyncEventProcessor",
    "TypedEventProcessor",
    "EventDispatcher",
]


def __getattr__(name: str) -> Any:
    # Keep `rich` out of `import hypergraph.events`; load the progress module on first use.
    if name == "RichProgressProcessor":
        from hypergraph.events.rich_progress import RichProgressProcessor

        return RichProgressProcessor
    raise AttributeError(f"module 'hypergraph.events' has no attribute '{name}'")


if TYPE_CHECKING:
    from hypergraph.events.rich_progress import RichProgressProcessor  # noqa: F401
