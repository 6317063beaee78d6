"""Durable runs: checkpointers store each finished node as a step, so runs survive the process.

``SqliteCheckpointer`` (one file, several processes on one machine), ``PostgresCheckpointer``
(a server shared by many machines; extra ``postgres``, imported on first use) and
``MemoryCheckpointer`` (tests, notebooks) implement the :class:`Checkpointer` protocol; see the README section
"Durable runs" for how runners use them.
"""

from __future__ import annotations

from hypergraph.checkpointers.base import Checkpointer
from hypergraph.checkpointers.memory import MemoryCheckpointer
from hypergraph.checkpointers.policy import CheckpointPolicy
from hypergraph.checkpointers.postgres import PostgresCheckpointer
from hypergraph.checkpointers.records import (
    Checkpoint,
    Run,
    StepRecord,
    StepStatus,
    WorkflowStatus,
)
from hypergraph.checkpointers.serializers import JsonSerializer, PickleSerializer, Serializer
from hypergraph.checkpointers.sqlite import SqliteCheckpointer

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
    "StepRecord",
    "StepStatus",
    "WorkflowStatus",
]
