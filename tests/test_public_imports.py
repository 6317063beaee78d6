"""Every name listed in docs/reference/index.md is importable from every listed module."""

from __future__ import annotations

import importlib

import pytest

import hypergraph
import hypergraph.events
import hypergraph.runners

TOP_LEVEL = [
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
    "GraphChangedError",
    "InputOverrideRequiresForkError",
    "WorkflowAlreadyCompletedError",
    "WorkflowBusyError",
    # retries and timeouts (issue 15)
    "RetryPolicy",
    "RetryAfterError",
    "AttemptTimeoutError",
    "RetryWindowExpiredError",
    "NodeAttemptStartEvent",
    "NodeAttemptEndEvent",
]

EVENT_NAMES = [
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
    "RunStatus",
    "EventProcessor",
    "AsyncEventProcessor",
    "TypedEventProcessor",
    "EventDispatcher",
]

IMPORT_TABLE = {
    "hypergraph": TOP_LEVEL,
    "hypergraph.nodes": [
        "HyperNode",
        "RenameEntry",
        "RenameError",
        "FunctionNode",
        "GraphNode",
        "GateNode",
        "IfElseNode",
        "RouteNode",
        "InterruptNode",
        "node",
        "ifelse",
        "route",
        "interrupt",
        "END",
    ],
    "hypergraph.graph": ["Graph", "GraphConfigError", "InputSpec"],
    "hypergraph.runners": [
        "SyncRunner",
        "AsyncRunner",
        "BaseRunner",
        "ErrorHandling",
        "RunStatus",
        "RunResult",
        "PauseInfo",
        "RunnerCapabilities",
    ],
    "hypergraph.exceptions": [
        "MissingInputError",
        "InfiniteLoopError",
        "IncompatibleRunnerError",
        "ExecutionError",
        "GraphChangedError",
        "InputOverrideRequiresForkError",
        "WorkflowAlreadyCompletedError",
        "WorkflowBusyError",
        "RetryAfterError",
        "AttemptTimeoutError",
        "RetryWindowExpiredError",
    ],
    "hypergraph.checkpointers": [
        "Checkpointer",
        "CheckpointPolicy",
        "MemoryCheckpointer",
        "SqliteCheckpointer",
        "PostgresCheckpointer",
        "JsonSerializer",
        "PickleSerializer",
        "Serializer",
        "Run",
        "StepRecord",
        "StepAttempt",
        "StepStatus",
        "WorkflowStatus",
        "Checkpoint",
    ],
    "hypergraph.retry": ["RetryPolicy"],
    "hypergraph.cache": ["CacheBackend", "InMemoryCache", "DiskCache", "compute_cache_key"],
    "hypergraph.events": EVENT_NAMES,
    "hypergraph.events.types": EVENT_NAMES,
    "hypergraph.events.processor": EVENT_NAMES,
    "hypergraph.events.dispatcher": EVENT_NAMES,
    "hypergraph.events.rich_progress": ["RichProgressProcessor"],
}


@pytest.mark.parametrize("module_name", sorted(IMPORT_TABLE))
def test_every_listed_name_imports_from_its_module(module_name):
    module = importlib.import_module(module_name)
    missing = [name for name in IMPORT_TABLE[module_name] if not hasattr(module, name)]
    assert missing == []


def test_top_level_all_is_exactly_the_spec_list():
    assert sorted(hypergraph.__all__) == sorted(TOP_LEVEL)


def test_submodules_reexport_the_same_objects_as_the_package():
    from hypergraph.events.dispatcher import NodeEndEvent, RunStatus
    from hypergraph.events.types import EventDispatcher

    assert EventDispatcher is hypergraph.events.EventDispatcher
    assert NodeEndEvent is hypergraph.events.NodeEndEvent
    assert RunStatus is hypergraph.events.RunStatus


def test_unknown_names_still_raise_attribute_error_in_events_submodules():
    import hypergraph.events.types as types_module

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        types_module.Nope  # noqa: B018


def test_top_level_run_status_is_the_runner_flavour():
    assert hypergraph.RunStatus is hypergraph.runners.RunStatus
