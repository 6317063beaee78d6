"""``MemoryCheckpointer``: the Checkpointer protocol on plain dicts, for tests and notebooks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from hypergraph.checkpointers.base import (
    Checkpointer,
    Lease,
    PackRow,
    StepRow,
    WriteBatch,
    lease_lost,
)
from hypergraph.checkpointers.policy import CheckpointPolicy, Durability, Retention
from hypergraph.checkpointers.records import Run, WorkflowStatus
from hypergraph.checkpointers.serializers import Serializer

__all__ = ["MemoryCheckpointer"]


class MemoryCheckpointer(Checkpointer):
    """Keeps runs in this process's memory: resumable within the process, gone when it exits.

    Takes the same keyword arguments as every checkpointer (``durability``, ``retention``,
    ``policy``, ``serializer``); values are still serialized, so what works here works with
    :class:`~hypergraph.checkpointers.SqliteCheckpointer` too.

    Example:
        >>> from hypergraph import Graph, MemoryCheckpointer, SyncRunner, node
        >>> @node(output_name="y")
        ... def double(x: int) -> int:
        ...     return 2 * x
        >>> cp = MemoryCheckpointer()
        >>> SyncRunner(checkpointer=cp).run(Graph([double]), x=2, workflow_id="wf-1")["y"]
        4
        >>> cp.state("wf-1")
        {'x': 2, 'y': 4}
    """

    def __init__(
        self,
        *,
        durability: Durability | None = None,
        retention: Retention | None = None,
        policy: CheckpointPolicy | None = None,
        serializer: Serializer | None = None,
    ) -> None:
        super().__init__(
            durability=durability, retention=retention, policy=policy, serializer=serializer
        )
        self._lock = threading.Lock()
        self._runs: dict[str, Run] = {}
        self._inputs: dict[str, bytes] = {}
        self._steps: dict[str, list[StepRow]] = {}
        self._packs: dict[str, list[PackRow]] = {}  # by map run id
        self._leases: dict[str, tuple[str, float]] = {}

    def _write(self, batch: WriteBatch, lease: Lease | None) -> None:
        with self._lock:
            if lease is not None:
                holder = self._leases.get(lease.workflow_id)
                if holder is None or holder[0] != lease.owner:
                    raise lease_lost(lease, holder[0] if holder is not None else None)
                self._leases[lease.workflow_id] = (lease.owner, lease.expires_at)
            runs, steps, packs = self._runs, self._steps, self._packs
            for run_id in batch.deletes:
                prefix = run_id + "/"
                for key in [k for k in runs if k == run_id or k.startswith(prefix)]:
                    runs.pop(key, None)
                    self._inputs.pop(key, None)
                    steps.pop(key, None)
                for key in [k for k in packs if k == run_id or k.startswith(prefix)]:
                    del packs[key]
            for run_id in batch.unpacked:
                packs.pop(run_id, None)
            for run, inputs in batch.new_runs:
                if run.id in runs:
                    raise ValueError(f"Run {run.id!r} already exists.")
                runs[run.id] = replace(run, config=dict(run.config))
                self._inputs[run.id] = inputs
                steps[run.id] = []
            for pack in batch.packs:
                packs.setdefault(pack.parent_run_id, []).append(pack)
            for row in batch.steps:
                steps.setdefault(row.run_id, []).append(row)
            for run_id, window in batch.prune:
                steps[run_id] = _pruned(steps.get(run_id, []), window)
            for update in batch.updates:
                stored = runs.get(update.run_id)
                if stored is not None:
                    stored.status = WorkflowStatus(update.status)
                    stored.duration_ms = update.duration_ms
                    stored.node_count = update.node_count
                    stored.error_count = update.error_count
                    stored.completed_at = update.completed_at

    def _load_run(self, run_id: str) -> Run | None:
        with self._lock:
            run = self._runs.get(run_id)
            return None if run is None else replace(run, config=dict(run.config))

    def _load_inputs(self, run_id: str) -> bytes | None:
        return self._inputs.get(run_id)

    def _load_packs(self, parent_run_id: str, index: int | None) -> list[PackRow]:
        with self._lock:
            packs = list(self._packs.get(parent_run_id, ()))
        if index is None:
            return packs
        return [pack for pack in packs if pack.first_index <= index <= pack.last_index]

    def _load_steps(self, run_id: str, up_to: int | None) -> list[StepRow]:
        with self._lock:
            rows = list(self._steps.get(run_id, ()))
        if up_to is not None:
            rows = [row for row in rows if row.superstep <= up_to]
        return sorted(rows, key=lambda row: row.position)

    def _read_runs(
        self,
        status: WorkflowStatus | None,
        graph_name: str | None,
        since: float | None,
        limit: int,
    ) -> list[Run]:
        with self._lock:
            runs = [
                replace(run, config=dict(run.config))
                for run in self._runs.values()
                if run.parent_run_id is None
                and (status is None or run.status is status)
                and (graph_name is None or run.graph_name == graph_name)
                and (since is None or run.created_at >= since)
            ]
        runs.sort(key=lambda run: run.created_at, reverse=True)
        return runs[:limit]

    def _load_children(self, parent_run_id: str) -> list[Run]:
        with self._lock:
            return [
                replace(run, config=dict(run.config))
                for run in self._runs.values()
                if run.parent_run_id == parent_run_id
            ]

    def _try_lease(
        self,
        workflow_id: str,
        owner: str,
        expires_at: float,
        may_take: Callable[[str, float], bool],
    ) -> tuple[str, float] | None:
        with self._lock:
            holder = self._leases.get(workflow_id)
            if holder is not None and holder[0] != owner and not may_take(*holder):
                return holder
            self._leases[workflow_id] = (owner, expires_at)
            return None

    def _release_lease(self, workflow_id: str, owner: str) -> None:
        with self._lock:
            holder = self._leases.get(workflow_id)
            if holder is not None and holder[0] == owner:
                del self._leases[workflow_id]


def _pruned(rows: list[StepRow], window: int | None) -> list[StepRow]:
    """The rows resuming needs (see ``WriteBatch.prune``), in their order."""
    latest_completed: dict[str, int] = {}
    last_superstep = -1
    for row in rows:
        if row.status == "completed":
            latest_completed[row.node_name] = max(
                latest_completed.get(row.node_name, -1), row.position
            )
        last_superstep = max(last_superstep, row.superstep)
    floor = last_superstep - window if window is not None else None
    return [
        row
        for row in rows
        if row.position >= latest_completed.get(row.node_name, -1)
        or (floor is not None and row.superstep > floor)
    ]
