"""hypergraph: workflow graphs built from plain Python functions.

Functions become nodes with ``@node(output_name=...)``; a :class:`Graph` wires them by matching
output names to parameter names; :class:`SyncRunner` and :class:`AsyncRunner` run the graph once
(``run``) or over many inputs (``map``).

Names are loaded on first access so that ``import hypergraph`` stays cheap and optional extras
(``rich``, ``diskcache``) are only imported when the feature that needs them is used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # nodes
    "node": "hypergraph.nodes",
    "ifelse": "hypergraph.nodes",
    "route": "hypergraph.nodes",
    "interrupt": "hypergraph.nodes",
    "FunctionNode": "hypergraph.nodes",
    "GraphNode": "hypergraph.nodes",
    "GateNode": "hypergraph.nodes",
    "IfElseNode": "hypergraph.nodes",
    "RouteNode": "hypergraph.nodes",
    "InterruptNode": "hypergraph.nodes",
    "HyperNode": "hypergraph.nodes",
    "END": "hypergraph.nodes",
    # graph
    "Graph": "hypergraph.graph",
    "InputSpec": "hypergraph.graph",
    # runners
    "SyncRunner": "hypergraph.runners",
    "AsyncRunner": "hypergraph.runners",
    "BaseRunner": "hypergraph.runners",
    "ErrorHandling": "hypergraph.runners",
    "PauseInfo": "hypergraph.runners",
    "RunResult": "hypergraph.runners",
    "RunStatus": "hypergraph.runners",
    # errors
    "RenameError": "hypergraph.exceptions",
    "GraphConfigError": "hypergraph.exceptions",
    "MissingInputError": "hypergraph.exceptions",
    "InfiniteLoopError": "hypergraph.exceptions",
    "IncompatibleRunnerError": "hypergraph.exceptions",
    "GraphChangedError": "hypergraph.exceptions",
    "InputOverrideRequiresForkError": "hypergraph.exceptions",
    "WorkflowAlreadyCompletedError": "hypergraph.exceptions",
    "WorkflowBusyError": "hypergraph.exceptions",
    "RetryAfterError": "hypergraph.exceptions",
    "AttemptTimeoutError": "hypergraph.exceptions",
    "RetryWindowExpiredError": "hypergraph.exceptions",
    # retries
    "RetryPolicy": "hypergraph.retry",
    # events
    "BaseEvent": "hypergraph.events",
    "Event": "hypergraph.events",
    "EventDispatcher": "hypergraph.events",
    "EventProcessor": "hypergraph.events",
    "AsyncEventProcessor": "hypergraph.events",
    "TypedEventProcessor": "hypergraph.events",
    "InterruptEvent": "hypergraph.events",
    "NodeEndEvent": "hypergraph.events",
    "NodeErrorEvent": "hypergraph.events",
    "NodeStartEvent": "hypergraph.events",
    "NodeAttemptStartEvent": "hypergraph.events",
    "NodeAttemptEndEvent": "hypergraph.events",
    "RouteDecisionEvent": "hypergraph.events",
    "RunEndEvent": "hypergraph.events",
    "RunStartEvent": "hypergraph.events",
    "StopRequestedEvent": "hypergraph.events",
    "CacheHitEvent": "hypergraph.events",
    "RichProgressProcessor": "hypergraph.events.rich_progress",
    # cache
    "CacheBackend": "hypergraph.cache",
    "InMemoryCache": "hypergraph.cache",
    "DiskCache": "hypergraph.cache",
    # durable runs
    "Checkpointer": "hypergraph.checkpointers",
    "CheckpointPolicy": "hypergraph.checkpointers",
    "MemoryCheckpointer": "hypergraph.checkpointers",
    "SqliteCheckpointer": "hypergraph.checkpointers",
    "PostgresCheckpointer": "hypergraph.checkpointers",
    # distributed (extra: dask)
    "DaskRunner": "hypergraph.runners.dask",
}

# Static so that type checkers know what `from hypergraph import ...` offers. DaskRunner is left
# out: `from hypergraph import *` must not need the dask extra.
__all__ = [
    "node",
    "ifelse",
    "route",
    "interrupt",
    "FunctionNode",
    "GraphNode",
    "GateNode",
    "IfElseNode",
    "RouteNode",
    "InterruptNode",
    "HyperNode",
    "END",
    "Graph",
    "InputSpec",
    "SyncRunner",
    "AsyncRunner",
    "BaseRunner",
    "ErrorHandling",
    "PauseInfo",
    "RunResult",
    "RunStatus",
    "RenameError",
    "GraphConfigError",
    "MissingInputError",
    "InfiniteLoopError",
    "IncompatibleRunnerError",
    "GraphChangedError",
    "InputOverrideRequiresForkError",
    "WorkflowAlreadyCompletedError",
    "WorkflowBusyError",
    "RetryAfterError",
    "AttemptTimeoutError",
    "RetryWindowExpiredError",
    "RetryPolicy",
    "BaseEvent",
    "Event",
    "EventDispatcher",
    "EventProcessor",
    "AsyncEventProcessor",
    "TypedEventProcessor",
    "InterruptEvent",
    "NodeEndEvent",
    "NodeErrorEvent",
    "NodeStartEvent",
    "NodeAttemptStartEvent",
    "NodeAttemptEndEvent",
    "RouteDecisionEvent",
    "RunEndEvent",
    "RunStartEvent",
    "StopRequestedEvent",
    "CacheHitEvent",
    "RichProgressProcessor",
    "CacheBackend",
    "InMemoryCache",
    "DiskCache",
    "Checkpointer",
    "CheckpointPolicy",
    "MemoryCheckpointer",
    "SqliteCheckpointer",
    "PostgresCheckpointer",
]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'hypergraph' has no attribute '{name}'")
    value = getattr(import_module(module_name), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # static type checkers see the eager imports
    from hypergraph.cache import CacheBackend, DiskCache, InMemoryCache
    from hypergraph.checkpointers import (
        Checkpointer,
        CheckpointPolicy,
        MemoryCheckpointer,
        PostgresCheckpointer,
        SqliteCheckpointer,
    )
    from hypergraph.events import (
        AsyncEventProcessor,
        BaseEvent,
        CacheHitEvent,
        Event,
        EventDispatcher,
        EventProcessor,
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
        TypedEventProcessor,
    )
    from hypergraph.events.rich_progress import RichProgressProcessor
    from hypergraph.exceptions import (
        AttemptTimeoutError,
        GraphChangedError,
        GraphConfigError,
        IncompatibleRunnerError,
        InfiniteLoopError,
        InputOverrideRequiresForkError,
        MissingInputError,
        RenameError,
        RetryAfterError,
        RetryWindowExpiredError,
        WorkflowAlreadyCompletedError,
        WorkflowBusyError,
    )
    from hypergraph.graph import Graph, InputSpec
    from hypergraph.nodes import (
        END,
        FunctionNode,
        GateNode,
        GraphNode,
        HyperNode,
        IfElseNode,
        InterruptNode,
        RouteNode,
        ifelse,
        interrupt,
        node,
        route,
    )
    from hypergraph.retry import RetryPolicy
    from hypergraph.runners import (
        AsyncRunner,
        BaseRunner,
        ErrorHandling,
        PauseInfo,
        RunResult,
        RunStatus,
        SyncRunner,
    )
    from hypergraph.runners.dask import DaskRunner as DaskRunner  # not in __all__, see above
