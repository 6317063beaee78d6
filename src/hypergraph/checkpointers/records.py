"""What a checkpointer stores and hands back: runs, steps, and checkpoints to fork from.

A *run* is one workflow id (``Run``). Each node execution that finished, failed or paused is
one *step* (``StepRecord``), numbered by ``index`` (its position in the run, which is also node
order within a superstep). Steps are the only source of truth: the state of a run at any point
is what its steps say, and resuming rebuilds the run's state from them
(``hypergraph.checkpointers.rebuild``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypergraph._str_enum import _StrEnum

__all__ = ["Checkpoint", "Run", "StepAttempt", "StepRecord", "StepStatus", "WorkflowStatus"]


class WorkflowStatus(_StrEnum):
    """Where a workflow stands; members compare equal to their strings.

    ``active``: running now, or its process died (resume it by running it again).
    ``paused``: waiting for an interrupt's answer. ``stopped``: stopped on request.
    ``partial``: a map whose items did not all complete. ``completed`` and ``failed``: finished.
    """

    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    PARTIAL = "partial"
    COMPLETED = "completed"
    FAILED = "failed"


class StepStatus(_StrEnum):
    """How one node execution ended; members compare equal to their strings."""

    COMPLETED = "completed"
    FAILED = "failed"
    PAUSED = "paused"


@dataclass
class Run:
    """One workflow as stored.

    Attributes:
        id: The workflow id (``"run-..."`` when generated; ``"batch-7/3"`` for a map item).
        status: See :class:`WorkflowStatus`.
        graph_name: The graph's name, if it has one.
        duration_ms: Wall time spent running it, summed over every resume.
        node_count: Node executions recorded (completed steps).
        error_count: Failed steps recorded.
        parent_run_id: The map (or run) this one is an item or nested run of.
        forked_from, fork_superstep: The workflow and superstep a fork started from.
        retry_of, retry_index: The failed workflow a retry re-runs, and which retry it is (1..).
        config: At least ``graph_struct_hash`` (the graph's shape: nodes, names, edges) and
            ``graph_code_hash`` (the node definitions).
        created_at, completed_at: POSIX timestamps (``completed_at`` is ``None`` until the run
            completes or fails).
    """

    id: str
    status: WorkflowStatus = WorkflowStatus.ACTIVE
    graph_name: str | None = None
    duration_ms: float = 0.0
    node_count: int = 0
    error_count: int = 0
    parent_run_id: str | None = None
    forked_from: str | None = None
    fork_superstep: int | None = None
    retry_of: str | None = None
    retry_index: int | None = None
    config: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    completed_at: float | None = None


@dataclass(frozen=True)
class StepAttempt:
    """One attempt of a node with a retry policy or a timeout, as recorded with its step.

    Attributes:
        number: The attempt's number, 1 for the first.
        error: How it failed (``"ExceptionType: message"``), ``None`` if it succeeded.
        delay: Seconds waited before it (0.0 for the first).
    """

    number: int
    error: str | None = None
    delay: float = 0.0


@dataclass
class StepRecord:
    """One node execution as stored.

    Attributes:
        run_id: The run it belongs to.
        superstep: The superstep it ran in (0-based; numbering continues across resumes).
        node_name: The node's name in its graph.
        index: Position in the run (0-based, in execution order; node order within a superstep).
        status: ``completed``, ``failed`` or ``paused`` (an interrupt waiting for its answer).
        input_versions: Version of every input and ``wait_for`` name the node consumed.
        values: The node's data outputs (empty for gates, failures and pauses).
        duration_ms: Time the node took (for concurrent nodes, their superstep's wall time).
        cached: Whether the outputs came from the runner's cache.
        decision: For a gate, the targets it activated (``"END"`` for END), else ``None``.
        error: For a failure, ``"ExceptionType: message"``.
        node_type: How the node ran (``"function"``, ``"gate"``, ``"graph"``, ``"interrupt"``...).
        created_at, completed_at: POSIX timestamps of its start and end.
        child_run_id: For a GraphNode, the run holding its inner steps.
        output_versions: Version of each output after it was written (what resuming restores).
        attempts: For a node with a retry policy or a timeout, each attempt in order (see
            :class:`StepAttempt`); empty for other nodes.
    """

    run_id: str
    superstep: int
    node_name: str
    index: int
    status: StepStatus = StepStatus.COMPLETED
    input_versions: dict[str, int] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    duration_ms: float = 0.0
    cached: bool = False
    decision: list[str] | None = None
    error: str | None = None
    node_type: str = "function"
    created_at: float = 0.0
    completed_at: float = 0.0
    child_run_id: str | None = None
    output_versions: dict[str, int] = field(default_factory=dict)
    attempts: list[StepAttempt] = field(default_factory=list)


@dataclass
class Checkpoint:
    """A run's state at one superstep, to inspect or to start a new workflow from (a fork).

    Pass it as ``run(graph, checkpoint=cp, workflow_id="new-id")``: the new workflow starts with
    the steps recorded up to ``source_superstep`` and runs the rest.

    Attributes:
        values: Every value as of that point (inputs and node outputs).
        steps: The steps recorded up to that point, in order.
        source_run_id: The workflow it was read from.
        source_superstep: The last superstep it includes (``None``: nothing ran yet).
    """

    values: dict[str, Any]
    steps: list[StepRecord]
    source_run_id: str
    source_superstep: int | None
