"""The events of a ``map``: its span, under which item runs hang, and its start and end.

A top-level ``runner.map`` and each mapped GraphNode call (``map_over``) are one run span of
their own (``RunStartEvent(is_map=True, map_size=...)`` ... ``RunEndEvent``); every item run
is a child of it. The rest of the run loop's events are built in
:mod:`hypergraph.runners.loop.event_hooks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from hypergraph.events.types import RunStartEvent, new_span_id
from hypergraph.runners.loop.event_channel import RunEvents
from hypergraph.runners.loop.event_hooks import emit_node_start, run_end_event
from hypergraph.runners.result import new_run_id

__all__ = ["MapSpan", "end_map", "end_mapped", "start_map", "start_mapped"]


@dataclass(slots=True, eq=False)
class MapSpan:
    """The span of one ``map`` (or one mapped GraphNode call) while its items run.

    Item runs hang under it: give each item's :class:`~hypergraph.runners.loop.call.RunContext`
    ``parent_span_id=map_span.span_id``.
    """

    events: RunEvents
    graph_name: str | None
    parent_span_id: str | None
    run_id: str = field(default_factory=new_run_id, init=False)
    span_id: str = field(default_factory=new_span_id, init=False)
    started: float = field(default_factory=perf_counter, init=False)


def start_map(
    events: RunEvents | None, graph: Any, size: int, parent_span_id: str | None = None
) -> MapSpan | None:
    """Emit ``RunStartEvent(is_map=True, map_size=size)`` and return the map's span.

    Returns ``None`` (and emits nothing) without processors or for an empty map (docs/guides/map.md:
    zero iterations emit no events). ``parent_span_id`` is the mapped GraphNode call's span for
    ``map_over``, ``None`` for a top-level ``runner.map``.
    """
    if events is None or size == 0:
        return None
    graph_name = getattr(graph, "name", None)
    span = MapSpan(events, graph_name, parent_span_id)
    events.emit(
        RunStartEvent(
            span.run_id,
            span_id=span.span_id,
            parent_span_id=parent_span_id,
            graph_name=graph_name,
            is_map=True,
            map_size=size,
        )
    )
    return span


def end_map(span: MapSpan | None, error: BaseException | None = None) -> None:
    """Emit the map's :class:`RunEndEvent`: FAILED with ``error`` when the map raises."""
    if span is None:
        return
    span.events.emit(
        run_end_event(
            span.run_id,
            span.span_id,
            span.parent_span_id,
            span.graph_name,
            span.started,
            error,
        )
    )


def start_mapped(call: Any, size: int) -> None:
    """A mapped GraphNode call starts its items: open the map span under the call's span.

    Drivers call it once the item count is known and run each item through
    ``nested_run_steps``, which parents the item runs to this span. A no-op without events.
    """
    events = call.ctx.dispatcher
    if events is None:
        return
    if call.span_id is None:
        emit_node_start(call)
    call.map_span = start_map(events, call.node.graph, size, parent_span_id=call.span_id)


def end_mapped(call: Any, error: BaseException | None = None) -> None:
    """The items of a mapped GraphNode call are done: close its map span (FAILED on ``error``)."""
    end_map(call.map_span, error)
