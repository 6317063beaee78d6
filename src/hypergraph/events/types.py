"""Event types emitted while a graph runs (docs/guides/events.md).

Every event is a frozen dataclass that can be built from ``run_id`` alone: ``span_id`` and
``timestamp`` fill themselves in. Spans link events into a tree: a node event's
``parent_span_id`` is its run's span, a nested run's parent is the span of the GraphNode that
started it, and each item run of a ``map`` has the map's span as parent.

**Construction cost.** A run builds a few events per node, so building one must be cheap. The
``__init__`` that ``@dataclass(frozen=True)`` generates writes each field through
``object.__setattr__`` and calls each ``default_factory`` through an extra layer.
:func:`_fast_init` replaces it with an equivalent ``__init__`` generated from the same field
list that stores straight into the instance ``__dict__``, about twice as fast
(``benchmarks/bench_records.py``, "events"). Everything else stays the dataclass's own: frozen
``__setattr__``, ``__eq__``, ``__repr__``, ``fields()``, ``replace()``, pickling. Events are not
slotted: a frozen slotted instance can only be filled through its slots' descriptors, which
builds slower even with the same shortcut (same benchmark, "events (slots, shortcut)").
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import MISSING, dataclass, field, fields
from enum import Enum
from typing import TypeVar

from hypergraph._short_repr import short_repr
from hypergraph._str_enum import _StrEnum

__all__ = [
    "RunStatus",
    "BaseEvent",
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


class RunStatus(_StrEnum):
    """How a run ended, as reported by :class:`RunEndEvent`.

    Separate from ``hypergraph.runners.RunStatus``: a paused run emits no end event, so there is
    no ``PAUSED`` member here. Members compare equal to their strings.
    """

    COMPLETED = "completed"
    FAILED = "failed"


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
        f"RunEndEvent.status must be one of {allowed} (or a RunStatus member), got "
        f"{short_repr(status)}. Paused runs emit no RunEndEvent."
    )


_EventT = TypeVar("_EventT", bound=type)
_COERCE = "hypergraph.coerce"  # field metadata key read by _fast_init


def _fast_init(cls: _EventT) -> _EventT:
    """Give a frozen event dataclass a faster ``__init__`` with the same parameters.

    Same parameter names, order and defaults as the dataclass's own ``__init__``; a field with a
    ``default_factory`` (``span_id``, ``timestamp``) defaults to ``None`` and is generated when
    omitted or ``None``. A field whose metadata holds ``_COERCE: (exact_type, convert)`` goes
    through ``convert`` unless it already has that exact type (the cheap check runners hit).
    The source is generated once per class, at import time, from the class's own field names.
    """
    namespace: dict[str, object] = {}
    params, body = ["self"], []
    for f in fields(cls):
        if f.default_factory is not MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=None")
            body.append(f"    if {f.name} is None:\n        {f.name} = _factory_{f.name}()")
        elif f.default is not MISSING:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        else:
            params.append(f.name)
        if _COERCE in f.metadata:
            exact_type, convert = f.metadata[_COERCE]
            namespace[f"_type_{f.name}"], namespace[f"_convert_{f.name}"] = exact_type, convert
            body.append(
                f"    if {f.name}.__class__ is not _type_{f.name}:\n"
                f"        {f.name} = _convert_{f.name}({f.name})"
            )
    # Frozen dataclasses block __setattr__; storing into __dict__ is how an object's own
    # constructor may still fill it in (pickle restores instances the same way).
    body.append("    instance_dict = self.__dict__")
    body.extend(f"    instance_dict[{f.name!r}] = {f.name}" for f in fields(cls))
    source = f"def __init__({', '.join(params)}):\n" + "\n".join(body) + "\n"
    exec(source, namespace)  # noqa: S102 - source built above from the class's own field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    init.__module__ = cls.__module__
    cls.__init__ = init  # type: ignore[misc]
    return cls


@_fast_init
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


@_fast_init
@dataclass(frozen=True)
class RunStartEvent(BaseEvent):
    """A run (or a whole ``map``, when ``is_map`` is true) started."""

    graph_name: str | None = ""
    workflow_id: str | None = None
    is_map: bool = False
    map_size: int | None = None


@_fast_init
@dataclass(frozen=True)
class RunEndEvent(BaseEvent):
    """A run (or ``map``) finished; ``status`` accepts a plain string and is coerced."""

    graph_name: str | None = ""
    # Coerced by the generated __init__ unless it already is a RunStatus member (see _fast_init).
    status: RunStatus = field(
        default=RunStatus.COMPLETED, metadata={_COERCE: (RunStatus, _coerce_status)}
    )
    error: str | None = None
    duration_ms: float = 0.0


@_fast_init
@dataclass(frozen=True)
class NodeStartEvent(BaseEvent):
    """A node execution started; its end, error and cache-hit events share this span id.

    ``inputs`` holds the node's inputs by parameter name when the node's inputs and outputs are
    traced (``trace_io``, see ``Graph.with_trace_io``), else ``None``. ``superstep`` is the
    superstep of its run the execution belongs to (0 for the first; a durable run's numbering
    continues across resumes, as its stored steps number them), ``None`` when not known.
    """

    node_name: str = ""
    graph_name: str | None = ""
    inputs: dict[str, object] | None = None
    superstep: int | None = None


@_fast_init
@dataclass(frozen=True)
class NodeEndEvent(BaseEvent):
    """A node execution finished successfully (``cached`` when served from the cache).

    ``outputs`` holds the node's outputs by name when its inputs and outputs are traced
    (``trace_io``), else ``None``. ``restored`` is true when the node did not run now: a
    durable run that resumed got its outputs back from a step stored by an earlier run
    (docs/guides/durable.md), reported with ``duration_ms=0.0``.
    """

    node_name: str = ""
    graph_name: str | None = ""
    duration_ms: float = 0.0
    cached: bool = False
    outputs: dict[str, object] | None = None
    restored: bool = False


@_fast_init
@dataclass(frozen=True)
class CacheHitEvent(BaseEvent):
    """A node's result came from the cache instead of calling the function."""

    node_name: str = ""
    graph_name: str | None = ""
    cache_key: str = ""


@_fast_init
@dataclass(frozen=True)
class NodeErrorEvent(BaseEvent):
    """A node raised; ``error`` is the message, ``error_type`` e.g. ``"builtins.ValueError"``."""

    node_name: str = ""
    graph_name: str | None = ""
    error: str = ""
    error_type: str = ""


@_fast_init
@dataclass(frozen=True)
class NodeAttemptStartEvent(BaseEvent):
    """One attempt of a node with a retry policy or a timeout started.

    Emitted between the node's :class:`NodeStartEvent` and its end (or error) event; the
    attempt has a span of its own whose parent is the node execution's span.

    Attributes:
        attempt: The attempt's number, 1 for the first.
        delay: Seconds waited before this attempt (0.0 for the first).
    """

    node_name: str = ""
    graph_name: str | None = ""
    attempt: int = 1
    delay: float = 0.0


@_fast_init
@dataclass(frozen=True)
class NodeAttemptEndEvent(BaseEvent):
    """One attempt of a node ended; it shares its :class:`NodeAttemptStartEvent`'s span.

    Attributes:
        attempt: The attempt's number, 1 for the first.
        outcome: ``"success"``, ``"retry"`` (failed, another attempt follows after ``delay``)
            or ``"failure"`` (failed, the node fails with it or with the error giving up).
        error: The attempt's error message (``None`` on success).
        error_type: Its type, e.g. ``"builtins.ValueError"`` (``None`` on success).
        delay: Seconds until the next attempt when ``outcome == "retry"``, else ``None``.
        duration_ms: How long the attempt ran.
    """

    node_name: str = ""
    graph_name: str | None = ""
    attempt: int = 1
    outcome: str = "success"
    error: str | None = None
    error_type: str | None = None
    delay: float | None = None
    duration_ms: float = 0.0


@_fast_init
@dataclass(frozen=True)
class RouteDecisionEvent(BaseEvent):
    """A gate decided where to go; ``decision`` is a target name, a list of them, or ``END``."""

    node_name: str = ""
    graph_name: str | None = ""
    decision: object = ""


@_fast_init
@dataclass(frozen=True)
class InterruptEvent(BaseEvent):
    """An interrupt node asked for a response (``value``) to fill ``response_param``."""

    node_name: str = ""
    graph_name: str | None = ""
    workflow_id: str | None = None
    value: object = None
    response_param: str = ""


@_fast_init
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
    | NodeAttemptStartEvent
    | NodeAttemptEndEvent
    | RouteDecisionEvent
    | InterruptEvent
    | StopRequestedEvent
)
"""Any concrete event a runner may emit."""


def __getattr__(name: str) -> object:
    # docs/reference/index.md makes every public events name importable from each events submodule;
    # names defined in a sibling module resolve lazily through the package to avoid import cycles.
    import hypergraph.events as events_package

    if name in events_package.__all__:
        return getattr(events_package, name)
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
