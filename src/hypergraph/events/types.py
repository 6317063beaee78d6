"""Event types emitted while a graph runs (SPEC §6.1).

Every event is a frozen dataclass that can be built from ``run_id`` alone: ``span_id`` and
``timestamp`` fill themselves in. Spans link events into a tree: a node event's
``parent_span_id`` is its run's span, a nested run's parent is the span of the GraphNode that
started it, and each item run of a ``map`` has the map's span as parent.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "RunStatus",
    "BaseEvent",
    "RunStartEvent",
    "RunEndEvent",
    "NodeStartEvent",
    "NodeEndEvent",
    "CacheHitEvent",
    "NodeErrorEvent",
    "RouteDecisionEvent",
    "InterruptEvent",
    "StopRequestedEvent",
    "Event",
    "new_span_id",
]

# A private generator rather than the module-level `random` functions: users often call
# `random.seed(...)` for reproducible experiments, which must not make span ids repeat across
# runs or processes. Re-seeding after fork keeps forked workers from sharing a sequence.
_span_rng = random.Random()
if hasattr(os, "register_at_fork"):  # pragma: no branch - absent only on Windows
    os.register_at_fork(after_in_child=_span_rng.seed)
_getrandbits = _span_rng.getrandbits


def new_span_id() -> str:
    """Return a fresh span id: 16 lowercase hex characters (64 random bits)."""
    # Measured fastest of the obvious spellings (~0.25 us vs ~0.6 us for os.urandom(8).hex()).
    return _getrandbits(64).to_bytes(8, "little").hex()


class RunStatus(str, Enum):
    """How a run ended, as reported by :class:`RunEndEvent`.

    Separate from ``hypergraph.runners.RunStatus``: a paused run emits no end event, so there is
    no ``PAUSED`` member here. Members compare equal to their strings.
    """

    COMPLETED = "completed"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


def _coerce_status(status: object) -> RunStatus:
    """Turn ``"failed"``, ``"FAILED"`` or another enum with such a value into :class:`RunStatus`."""
    if isinstance(status, RunStatus):
        return status
    raw = status.value if isinstance(status, Enum) else status
    if isinstance(raw, str):
        try:
            return RunStatus(raw.lower())
        except ValueError:
            pass
    allowed = ", ".join(repr(s.value) for s in RunStatus)
    raise ValueError(
        f"RunEndEvent.status must be one of {allowed} (or a RunStatus member), got {status!r}. "
        "Paused runs emit no RunEndEvent."
    )


@dataclass(frozen=True)
class BaseEvent:
    """Fields shared by every event.

    Attributes:
        run_id: Id of the run the event belongs to (``RunResult.run_id``).
        span_id: Id of this span (16 hex characters, generated when omitted).
        parent_span_id: Span that contains this one; ``None`` for a top-level run.
        timestamp: Wall-clock time of the event (``time.time()`` when omitted).
    """

    run_id: str
    span_id: str = field(default_factory=new_span_id)
    parent_span_id: str | None = None
    timestamp: float = field(default_factory=time.time)


@dataclass(frozen=True)
class RunStartEvent(BaseEvent):
    """A run (or a whole ``map``, when ``is_map`` is true) started."""

    graph_name: str | None = ""
    workflow_id: str | None = None
    is_map: bool = False
    map_size: int | None = None


@dataclass(frozen=True)
class RunEndEvent(BaseEvent):
    """A run (or ``map``) finished; ``status`` accepts a plain string and is coerced."""

    graph_name: str | None = ""
    status: RunStatus = RunStatus.COMPLETED
    error: str | None = None
    duration_ms: float = 0.0

    def __post_init__(self) -> None:
        if type(self.status) is not RunStatus:
            # Frozen dataclass: bypass the generated __setattr__ guard to normalise the field.
            object.__setattr__(self, "status", _coerce_status(self.status))


@dataclass(frozen=True)
class NodeStartEvent(BaseEvent):
    """A node execution started; its end, error and cache-hit events share this span id."""

    node_name: str = ""
    graph_name: str | None = ""


@dataclass(frozen=True)
class NodeEndEvent(BaseEvent):
    """A node execution finished successfully (``cached`` when served from the cache)."""

    node_name: str = ""
    graph_name: str | None = ""
    duration_ms: float = 0.0
    cached: bool = False


@dataclass(frozen=True)
class CacheHitEvent(BaseEvent):
    """A node's result came from the cache instead of calling the function."""

    node_name: str = ""
    graph_name: str | None = ""
    cache_key: str = ""


@dataclass(frozen=True)
class NodeErrorEvent(BaseEvent):
    """A node raised; ``error`` is the message, ``error_type`` e.g. ``"builtins.ValueError"``."""

    node_name: str = ""
    graph_name: str | None = ""
    error: str = ""
    error_type: str = ""


@dataclass(frozen=True)
class RouteDecisionEvent(BaseEvent):
    """A gate decided where to go; ``decision`` is a target name, a list of them, or ``END``."""

    node_name: str = ""
    graph_name: str | None = ""
    decision: object = ""


@dataclass(frozen=True)
class InterruptEvent(BaseEvent):
    """An interrupt node asked for a response (``value``) to fill ``response_param``."""

    node_name: str = ""
    graph_name: str | None = ""
    workflow_id: str | None = None
    value: object = None
    response_param: str = ""


@dataclass(frozen=True)
class StopRequestedEvent(BaseEvent):
    """Someone asked the workflow to stop."""

    workflow_id: str | None = None


Event = (
    RunStartEvent
    | RunEndEvent
    | NodeStartEvent
    | NodeEndEvent
    | CacheHitEvent
    | NodeErrorEvent
    | RouteDecisionEvent
    | InterruptEvent
    | StopRequestedEvent
)
"""Any concrete event a runner may emit."""
