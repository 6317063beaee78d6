"""Closing the event spans of runs that DaskRunner turns from a pause into a failure.

A Dask task cannot pause for a human answer: when an interrupt inside a nested graph asks for one,
the local runner in the task returns a PAUSED result, and the task reports it as an
``IncompatibleRunnerError`` (a failure). The recorded events, though, are those of a pause
(docs/guides/events.md): the pausing node, the GraphNodes around it and their runs have started but
never ended. Processors on the client must see what the caller sees, a failed run, so
:func:`close_open_spans` ends every open span of such a run the way a failure would: the innermost
first, a node with a :class:`NodeErrorEvent`, a run with a ``FAILED`` :class:`RunEndEvent` carrying
the error.
"""

from __future__ import annotations

import time
from typing import Any

from hypergraph.events.types import (
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
)

__all__ = ["close_open_spans"]

_CLOSING = (RunEndEvent, NodeEndEvent, NodeErrorEvent)


def close_open_spans(events: list[Any], errors: dict[str, BaseException]) -> list[Any]:
    """Return ``events`` with failure events closing the spans of the runs in ``errors``.

    Args:
        events: A task's recorded events, in emission order.
        errors: The error of each refused run, by the ``run_id`` of its top-level (item) run.

    Spans of other runs are left as they are. The closing events of one run follow that run's
    last recorded event, so a chunk's item runs stay in order.
    """
    if not errors or not events:
        return events
    opened: dict[str, Any] = {}  # span id -> its start event, in opening order
    for event in events:
        if isinstance(event, RunStartEvent | NodeStartEvent):
            opened[event.span_id] = event
        elif isinstance(event, _CLOSING):
            opened.pop(event.span_id, None)
    starts = {e.span_id: e for e in events if isinstance(e, RunStartEvent | NodeStartEvent)}
    closers: dict[int, list[Any]] = {}  # index of a run's last event -> events to add after it
    last_index: dict[str, int] = {}
    for index, event in enumerate(events):
        root = _root_run_id(event, starts)
        if root in errors:
            last_index[root] = index
    for start in reversed(opened.values()):  # innermost spans were opened last
        root = _root_run_id(start, starts)
        if root in errors:
            closers.setdefault(last_index[root], []).append(_failure_of(start, errors[root]))
    if not closers:
        return events
    closed: list[Any] = []
    for index, event in enumerate(events):
        closed.append(event)
        closed.extend(closers.get(index, ()))
    return closed


def _root_run_id(event: Any, starts: dict[str, Any]) -> str | None:
    """The run id of the outermost run recorded above ``event`` (its item or top-level run).

    A chunk's own map span (a top-level map start) is not a run of its own: climbing stops
    below it, at the item run.
    """
    run_id: str | None = event.run_id
    parent = starts.get(event.parent_span_id) if event.parent_span_id else None
    while parent is not None and not _is_chunk_map(parent):
        run_id = parent.run_id
        parent = starts.get(parent.parent_span_id) if parent.parent_span_id else None
    return run_id


def _is_chunk_map(start: Any) -> bool:
    return isinstance(start, RunStartEvent) and start.is_map and start.parent_span_id is None


def _failure_of(start: Any, error: BaseException) -> Any:
    """The event that ends the span ``start`` opened, as a failure with ``error``."""
    common = {"span_id": start.span_id, "parent_span_id": start.parent_span_id}
    if isinstance(start, NodeStartEvent):
        error_type = type(error)
        return NodeErrorEvent(
            start.run_id,
            **common,
            node_name=start.node_name,
            graph_name=start.graph_name,
            error=str(error),
            error_type=f"{error_type.__module__}.{error_type.__qualname__}",
        )
    elapsed_ms = max((time.time() - start.timestamp) * 1000.0, 1e-6)
    return RunEndEvent(
        start.run_id,
        **common,
        graph_name=start.graph_name,
        status=RunStatus.FAILED,
        error=str(error),
        duration_ms=elapsed_ms,
    )
