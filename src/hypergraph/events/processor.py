"""Event processors: the objects that receive events from a run (docs/guides/events.md).

Subclass :class:`EventProcessor` and override ``on_event`` to see every event, or subclass
:class:`TypedEventProcessor` and override only the ``on_<kind>`` methods you care about.
:class:`AsyncEventProcessor` adds coroutine hooks that ``AsyncRunner`` awaits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypergraph.events.types import (
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
    StopRequestedEvent,
)

__all__ = ["EventProcessor", "AsyncEventProcessor", "TypedEventProcessor"]


class EventProcessor:
    """Receives events synchronously. Both hooks are no-ops; override what you need."""

    def on_event(self, event: Event) -> None:
        """Handle one event. Called in emission order, from the thread running the graph."""

    def shutdown(self) -> None:
        """Release resources; called once at the end of each top-level ``run``/``map``."""


class AsyncEventProcessor(EventProcessor):
    """A processor whose hooks ``AsyncRunner`` awaits instead of calling ``on_event``.

    By default the async hooks delegate to the sync ones, so a subclass may implement either
    side. ``SyncRunner`` always uses the sync hooks.
    """

    async def on_event_async(self, event: Event) -> None:
        """Handle one event inside the event loop (defaults to ``on_event``)."""
        self.on_event(event)

    async def shutdown_async(self) -> None:
        """Release resources at the end of a top-level async run (defaults to ``shutdown``)."""
        self.shutdown()


# Exact event type -> name of the TypedEventProcessor method handling it.
_HANDLER_NAMES: dict[type, str] = {
    RunStartEvent: "on_run_start",
    RunEndEvent: "on_run_end",
    NodeStartEvent: "on_node_start",
    NodeEndEvent: "on_node_end",
    CacheHitEvent: "on_cache_hit",
    NodeErrorEvent: "on_node_error",
    NodeAttemptStartEvent: "on_node_attempt_start",
    NodeAttemptEndEvent: "on_node_attempt_end",
    RouteDecisionEvent: "on_route_decision",
    InterruptEvent: "on_interrupt",
    StopRequestedEvent: "on_stop_requested",
}


class TypedEventProcessor(EventProcessor):
    """Routes each event by its exact type to a dedicated method (all no-ops by default).

    Events of other types (including subclasses of the built-in events) are ignored.
    """

    def on_event(self, event: Event) -> None:
        """Call the ``on_<kind>`` method that matches ``type(event)`` exactly."""
        handler_name = _HANDLER_NAMES.get(type(event))
        if handler_name is not None:
            handler: Callable[[Any], None] = getattr(self, handler_name)
            handler(event)

    def on_run_start(self, event: RunStartEvent) -> None:
        """A run or map started."""

    def on_run_end(self, event: RunEndEvent) -> None:
        """A run or map ended."""

    def on_node_start(self, event: NodeStartEvent) -> None:
        """A node execution started."""

    def on_node_end(self, event: NodeEndEvent) -> None:
        """A node execution finished."""

    def on_cache_hit(self, event: CacheHitEvent) -> None:
        """A node's result came from the cache."""

    def on_node_error(self, event: NodeErrorEvent) -> None:
        """A node raised."""

    def on_node_attempt_start(self, event: NodeAttemptStartEvent) -> None:
        """An attempt of a node with a retry policy or a timeout started."""

    def on_node_attempt_end(self, event: NodeAttemptEndEvent) -> None:
        """An attempt of a node with a retry policy or a timeout ended."""

    def on_route_decision(self, event: RouteDecisionEvent) -> None:
        """A gate made a routing decision."""

    def on_interrupt(self, event: InterruptEvent) -> None:
        """An interrupt asked for a response."""

    def on_stop_requested(self, event: StopRequestedEvent) -> None:
        """A stop was requested."""


def __getattr__(name: str) -> object:
    # docs/reference/index.md makes every public events name importable from each events submodule;
    # names defined in a sibling module resolve lazily through the package to avoid import cycles.
    import hypergraph.events as events_package

    if name in events_package.__all__:
        return getattr(events_package, name)
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
