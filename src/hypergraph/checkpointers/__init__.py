"""Durable runs: checkpointers store each finished node as a step, so runs survive the process.

``SqliteCheckpointer`` (one file, several processes on one machine), ``PostgresCheckpointer``
(a server shared by many machines; extra ``postgres``, imported on first use) and
``MemoryCheckpointer`` (tests, notebooks) implement the :class:`Checkpointer` protocol; see
docs/guides/durable.md for how runners use them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Checkpoint": "hypergraph.checkpointers.records",
    "CheckpointPolicy": "hypergraph.checkpointers.policy",
    "Checkpointer": "hypergraph.checkpointers.base",
    "JsonSerializer": "hypergraph.checkpointers.serializers",
    "MemoryCheckpointer": "hypergraph.checkpointers.memory",
    "PickleSerializer": "hypergraph.checkpointers.serializers",
    "PostgresCheckpointer": "hypergraph.checkpointers.postgres",
    "Run": "hypergraph.checkpointers.records",
    "Serializer": "hypergraph.checkpointers.serializers",
    "SqliteCheckpointer": "hypergraph.checkpointers.sqlite",
    "StepAttempt": "hypergraph.checkpointers.records",
    "StepRecord": "hypergraph.checkpointers.records",
    "StepStatus": "hypergraph.checkpointers.records",
    "WorkflowStatus": "hypergraph.checkpointers.records",
}

__all__ = [
    "Checkpoint",
    "CheckpointPolicy",
    "Checkpointer",
    "JsonSerializer",
    "MemoryCheckpointer",
    "PickleSerializer",
    "PostgresCheckpointer",
    "Run",
    "Serializer",
    "SqliteCheckpointer",
    "StepAttempt",
    "StepRecord",
    "StepStatus",
    "WorkflowStatus",
]


def __getattr__(name: str) -> Any:  # loaded on first use: sqlite3, psycopg only when used
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'hypergraph.checkpointers' has no attribute '{name}'")
    value = getattr(import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:
    from hypergraph.checkpointers.base import Checkpointer
    from hypergraph.checkpointers.memory import MemoryCheckpointer
    from hypergraph.checkpointers.policy import CheckpointPolicy
    from hypergraph.checkpointers.postgres import PostgresCheckpointer
    from hypergraph.checkpointers.records import (
        Checkpoint,
        Run,
        StepAttempt,
        StepRecord,
        StepStatus,
        WorkflowStatus,
    )
    from hypergraph.checkpointers.serializers import JsonSerializer, PickleSerializer, Serializer
    from hypergraph.checkpointers.sqlite import SqliteCheckpointer
