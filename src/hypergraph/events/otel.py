"""Runs as OpenTelemetry traces: :class:`OpenTelemetryProcessor` (extra ``otel``).

The processor turns the event stream into spans, using nothing but the events' span ids for
parentage, so it is exact under ``AsyncRunner`` with concurrent nodes and for concurrent runs:

- a top-level run or map starts a new trace (never the caller's current span), named after its
  graph (``"graph"`` when unnamed); each item run of a map is a ``"<graph>.item"`` span under it;
- a node execution is a span named after the node, under its run's span; a nested graph's inner
  run is folded into its GraphNode's span (its nodes hang directly under that node span), and so
  is a ``map_over`` map, whose item runs become ``"<graph>.item"`` spans under the GraphNode;
- retry attempts are span events (``hypergraph.attempt.start`` / ``hypergraph.attempt.end``) on
  their node's span; a node's error is recorded as an ``exception`` span event plus an ERROR
  status; a failed run's span gets an ERROR status too.

Span start and end times come from the events' timestamps, so runs replayed later (DaskRunner
ships worker events back to the client) keep their real timing. ``opentelemetry`` is imported
when the processor is built; ``import hypergraph.events`` does not load it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hypergraph.events.processor import TypedEventProcessor
from hypergraph.events.types import (
    BaseEvent,
    CacheHitEvent,
    NodeAttemptEndEvent,
    NodeAttemptStartEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RouteDecisionEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
)

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer, TracerProvider

__all__ = ["OpenTelemetryProcessor"]

_INSTALL_HINT = (
    "OpenTelemetryProcessor needs the 'opentelemetry-api' and 'opentelemetry-sdk' packages, "
    "which are not installed. Install the otel extra: pip install 'hypergraph[otel]'"
)
_PREFIX = "hypergraph."

AttributeValue = str | bool | int | float | list[str]


@dataclass(eq=False)
class _OpenSpan:
    """An OpenTelemetry span still open, with what the processor needs to know about it."""

    span: Span
    role: str  # "graph", "map" or "node"
    root: str  # the hypergraph span id of the trace's top-level run or map
    graph_name: str | None = None
    items: int | None = None  # maps (and GraphNodes folding a map): item runs seen so far
    error_type: str | None = None  # runs: the type of the last node error inside
    children: dict[str, str] = field(default_factory=dict)  # runs: node name -> open node span


class OpenTelemetryProcessor(TypedEventProcessor):
    """Export runs, maps and node executions as OpenTelemetry spans.

    Args:
        tracer_name: Name of the tracer (instrumentation scope) the spans come from.
        extra_attributes: Attributes added to every span (e.g. ``{"service.version": "1.2"}``).
        tracer_provider: The provider to get the tracer from (default: the global one).
        set_success_status: Mark spans that succeeded with status OK (default: left UNSET).
        redact_errors: Leave exception messages out of spans (the error type is kept).
        redact_payloads: Never attach node inputs and outputs, even for nodes that opt in.
        max_payload_chars: Longest text of one node's inputs or outputs; longer is cut.

    Node inputs and outputs are attached (as ``hypergraph.inputs`` / ``hypergraph.outputs``, JSON
    text) only for nodes that opt in: ``@node(..., trace_io=True)``, ``Graph(..., trace_io=True)``
    or ``graph.with_trace_io()``.

    Raises:
        ImportError: OpenTelemetry is not installed (``pip install 'hypergraph[otel]'``).

    Example:
        >>> from hypergraph.events.otel import OpenTelemetryProcessor
        >>> runner.run(graph, values, event_processors=[OpenTelemetryProcessor()])  # doctest: +SKIP
    """

    def __init__(
        self,
        tracer_name: str = "hypergraph",
        *,
        extra_attributes: Mapping[str, AttributeValue] | None = None,
        tracer_provider: TracerProvider | None = None,
        set_success_status: bool = False,
        redact_errors: bool = False,
        redact_payloads: bool = False,
        max_payload_chars: int = 4096,
    ) -> None:
        try:
            from opentelemetry import trace
        except ImportError as exc:
            raise ImportError(_INSTALL_HINT) from exc
        if isinstance(max_payload_chars, bool) or not isinstance(max_payload_chars, int):
            raise TypeError(f"max_payload_chars must be an int, got {max_payload_chars!r}.")
        if max_payload_chars < 1:
            raise ValueError(f"max_payload_chars must be at least 1, got {max_payload_chars}.")
        self._tracer: Tracer = trace.get_tracer(tracer_name, tracer_provider=tracer_provider)
        self._extra = dict(extra_attributes or {})
        self.set_success_status = bool(set_success_status)
        self.redact_errors = bool(redact_errors)
        self.redact_payloads = bool(redact_payloads)
        self.max_payload_chars = max_payload_chars
        self._lock = threading.Lock()
        self._open: dict[str, _OpenSpan] = {}  # hypergraph span id -> open span
        self._folded: dict[str, str] = {}  # nested run span id -> its GraphNode's span id
        # The top-level span started in the current thread / asyncio task (see shutdown()).
        self._own_root: ContextVar[str | None] = ContextVar(
            f"hypergraph_otel_root_{id(self)}", default=None
        )

    # -- event entry point ---------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        """Route the event (thread-safe: runners may emit from worker threads)."""
        with self._lock:
            super().on_event(event)

    def shutdown(self) -> None:
        """End of a top-level run or map: end the spans it left open.

        A paused run emits no end events, so its spans are still open here. The run is found
        through a context variable set when its top-level span started (the runner calls
        ``shutdown`` in the same thread or asyncio task), so concurrent runs sharing this
        processor keep their spans.
        """
        with self._lock:
            finished = self._own_root.get()
            self._own_root.set(None)
            for span_id, open_span in list(self._open.items()):
                root = open_span.root
                if root == finished or root not in self._open:  # paused, or root gone
                    open_span.span.end()
                    del self._open[span_id]
            self._folded = {k: v for k, v in self._folded.items() if v in self._open}

    # -- runs and maps -------------------------------------------------------------------

    def on_run_start(self, event: RunStartEvent) -> None:
        """A run or map: a new trace at the top, a map item's span, or folded into a node."""
        parent = self._parent(event.parent_span_id)
        if parent is None and event.parent_span_id is not None:
            return  # under a span this processor never saw (or already ended): no orphan
        graph = event.graph_name or "graph"
        item_of_folded_map = event.parent_span_id in self._folded
        if parent is not None and parent.role == "node" and not item_of_folded_map:
            # A GraphNode's inner run or map_over map: no level of its own.
            self._folded[event.span_id] = event.parent_span_id or ""
            if event.is_map:
                parent.items = 0
                self._set(parent.span, {"is_map": True, "map_size": event.map_size})
            return
        role = "map" if event.is_map else "graph"
        item_index: int | None = None
        if parent is not None and parent.items is not None:  # one item of a map
            item_index = parent.items
            parent.items += 1
            name = f"{graph}.item"
        else:
            name = graph
        open_span = self._start(event, name, role, parent)
        open_span.graph_name = event.graph_name
        if parent is None:
            self._own_root.set(event.span_id)
        if event.is_map:
            open_span.items = 0
        self._set(
            open_span.span,
            {
                "graph_name": event.graph_name,
                "run_id": event.run_id,
                "workflow_id": event.workflow_id,
                "is_map": event.is_map,
                "map_size": event.map_size,
                "item_index": item_index,
            },
        )

    def on_run_end(self, event: RunEndEvent) -> None:
        """Close a run's or map's span: duration, and ERROR with the message when it failed."""
        if self._folded.pop(event.span_id, None) is not None:
            return  # a folded inner run: its GraphNode's span reports the outcome
        open_span = self._open.pop(event.span_id, None)
        if open_span is None:
            return
        attributes: dict[str, Any] = {"duration_ms": event.duration_ms}
        if event.status is RunStatus.FAILED:
            attributes["error_type"] = open_span.error_type
            self._set(open_span.span, attributes)
            self._fail(open_span.span, event.error)
        else:
            self._set(open_span.span, attributes)
            self._succeed(open_span.span)
        open_span.span.end(end_time=_nanoseconds(event))

    # -- nodes ---------------------------------------------------------------------------

    def on_node_start(self, event: NodeStartEvent) -> None:
        """A node execution: a span named after the node, under its run's span."""
        parent = self._parent(event.parent_span_id)
        if parent is None:
            return  # its run has no span here (see on_run_start)
        open_span = self._start(event, event.node_name, "node", parent)
        parent.children[event.node_name] = event.span_id
        attributes: dict[str, Any] = {
            "node_name": event.node_name,
            "graph_name": event.graph_name,
            "run_id": event.run_id,
            "superstep": event.superstep,
        }
        if event.inputs is not None and not self.redact_payloads:
            attributes["inputs"] = self._payload(event.inputs)
        self._set(open_span.span, attributes)

    def on_cache_hit(self, event: CacheHitEvent) -> None:
        """Mark the node's span as served from the cache."""
        open_span = self._open.get(event.span_id)
        if open_span is not None:
            self._set(open_span.span, {"cached": True})

    def on_route_decision(self, event: RouteDecisionEvent) -> None:
        """Put a gate's decision on the gate's span."""
        run = self._parent(event.parent_span_id)
        span_id = run.children.get(event.node_name) if run is not None else None
        open_span = self._open.get(span_id) if span_id is not None else None
        if open_span is not None:
            self._set(open_span.span, {"decision": _decision(event.decision)})

    def on_node_end(self, event: NodeEndEvent) -> None:
        """Close a node's span with its duration, cache flag and (opted in) outputs."""
        open_span = self._open.pop(event.span_id, None)
        if open_span is None:
            return
        attributes: dict[str, Any] = {"cached": event.cached, "duration_ms": event.duration_ms}
        if event.restored:  # a resumed durable run got it back from the store
            attributes["restored"] = True
        if event.outputs is not None and not self.redact_payloads:
            attributes["outputs"] = self._payload(event.outputs)
        self._set(open_span.span, attributes)
        self._succeed(open_span.span)
        open_span.span.end(end_time=_nanoseconds(event))

    def on_node_error(self, event: NodeErrorEvent) -> None:
        """Record the exception on the failing node's span and close it with ERROR."""
        open_span = self._open.pop(event.span_id, None)
        if open_span is None:
            return
        span = open_span.span
        self._set(span, {"error_type": event.error_type})
        exception: dict[str, AttributeValue] = {"exception.type": event.error_type}
        if not self.redact_errors:
            exception["exception.message"] = event.error
        span.add_event("exception", exception, timestamp=_nanoseconds(event))
        self._fail(span, event.error)
        span.end(end_time=_nanoseconds(event))
        run = self._parent(event.parent_span_id)
        if run is not None:
            run.error_type = event.error_type

    def on_node_attempt_start(self, event: NodeAttemptStartEvent) -> None:
        """An attempt of a retried node: a ``hypergraph.attempt.start`` event on its span."""
        open_span = self._open.get(event.parent_span_id or "")
        if open_span is not None:
            open_span.span.add_event(
                "hypergraph.attempt.start",
                {"hypergraph.attempt.number": event.attempt},
                timestamp=_nanoseconds(event),
            )

    def on_node_attempt_end(self, event: NodeAttemptEndEvent) -> None:
        """The attempt's outcome as a ``hypergraph.attempt.end`` event on the node's span."""
        open_span = self._open.get(event.parent_span_id or "")
        if open_span is None:
            return
        attributes: dict[str, AttributeValue] = {
            "hypergraph.attempt.number": event.attempt,
            "hypergraph.attempt.outcome": event.outcome,
        }
        if event.error_type is not None:
            attributes["hypergraph.attempt.error_type"] = event.error_type
        open_span.span.add_event(
            "hypergraph.attempt.end", attributes, timestamp=_nanoseconds(event)
        )

    # -- helpers -------------------------------------------------------------------------

    def _parent(self, span_id: str | None) -> _OpenSpan | None:
        """The open span an event hangs under (a folded inner run resolves to its GraphNode)."""
        if span_id is None:
            return None
        return self._open.get(self._folded.get(span_id, span_id))

    def _start(self, event: BaseEvent, name: str, role: str, parent: _OpenSpan | None) -> _OpenSpan:
        from opentelemetry import trace
        from opentelemetry.context import Context

        # A top-level run starts from an empty context: its own trace, whatever span is
        # current in the caller (concurrent runs must never share a trace).
        context = trace.set_span_in_context(parent.span) if parent is not None else Context()
        span = self._tracer.start_span(name, context=context, start_time=_nanoseconds(event))
        root = parent.root if parent is not None else event.span_id
        open_span = _OpenSpan(span, role, root)
        self._open[event.span_id] = open_span
        self._set(span, {"span.role": role})
        if self._extra:
            span.set_attributes(self._extra)
        return open_span

    def _set(self, span: Span, attributes: Mapping[str, Any]) -> None:
        """Set ``hypergraph.<name>`` attributes, leaving out ``None`` values."""
        span.set_attributes(
            {_PREFIX + key: value for key, value in attributes.items() if value is not None}
        )

    def _succeed(self, span: Span) -> None:
        if self.set_success_status:
            from opentelemetry.trace import Status, StatusCode

            span.set_status(Status(StatusCode.OK))

    def _fail(self, span: Span, message: str | None) -> None:
        from opentelemetry.trace import Status, StatusCode

        description = None if self.redact_errors else message
        span.set_status(Status(StatusCode.ERROR, description))

    def _payload(self, values: Mapping[str, object]) -> str:
        """``values`` as JSON text (``repr`` for what JSON cannot hold), cut to the limit."""
        try:
            text = json.dumps(values, default=repr, ensure_ascii=False)
        except (TypeError, ValueError):  # e.g. non-string keys mixed with strings
            text = repr(dict(values))
        limit = self.max_payload_chars
        return text if len(text) <= limit else text[: limit - 1] + "…"


def _nanoseconds(event: BaseEvent) -> int:
    return int(event.timestamp * 1e9)


def _decision(decision: object) -> str | list[str] | None:
    """A gate's decision as an attribute value: a target name, ``"END"``, or a list of them."""
    if decision is None:
        return None
    if isinstance(decision, list):
        return [str(target) for target in decision]
    return str(decision)
