"""The ``Checkpointer`` protocol: what a storage backend implements, and what it gets for free.

A backend (``MemoryCheckpointer``, ``SqliteCheckpointer``, a PostgreSQL one, ...) implements
**storage only**, as the abstract methods below:

========================  ====================================================================
``_write(batch, lease)``  Apply a :class:`WriteBatch` in **one transaction**, after checking
                          that ``lease`` (if given) is still held by its owner and extending it
                          to ``lease.expires_at``; otherwise raise :class:`LeaseLostError` and
                          write nothing. Order inside the transaction: ``deletes``,
                          ``unpacked``, ``new_runs``, ``packs``, ``steps``, ``prune``,
                          ``updates``.
``_load_run(id)``         The :class:`Run` with that id, or ``None``.
``_load_inputs(id)``      The serialized inputs stored with the run, or ``None``.
``_load_steps(id, n)``    The run's :class:`StepRow` rows with ``superstep <= n`` (all when
                          ``n`` is ``None``), ordered by ``index``.
``_load_packs(id, i)``    The :class:`PackRow` rows of map run ``id`` whose index range holds
                          item ``i`` (all of them when ``i`` is ``None``).
``_read_runs(...)``       Top-level runs (no ``parent_run_id``), newest first, filtered.
``_load_children(id)``    Runs whose ``parent_run_id`` is ``id``, any order.
``_try_lease(...)``       In one transaction: take the lease on a workflow id when it is free,
                          already ours, or ``may_take(holder, expires_at)`` says the holder is
                          gone; return ``None`` when taken, else ``(holder, expires_at)``.
``_release_lease(...)``   Drop the lease if ``owner`` still holds it.
``close()``               Release connections (optional).
========================  ====================================================================

Rows are plain values (str, int, float, bytes, None): a backend never sees user objects and never
calls the serializer. Packed map items (checkpointers/packs.py) are stored and returned as they
come; the shared readers ``_read_run``, ``_read_inputs``, ``_read_steps`` and ``_read_children``
unpack them, so the runners and the read API see every item as its own run. Everything else —
the read API (``get_run``, ``steps``, ``state``,
``runs``, ``checkpoint`` and their ``get_*``/``list_runs`` coroutines), decoding, who may take a
lease over — is written once here. A new backend should pass ``tests/checkpointers`` by adding
one fixture parameter.

**Leases.** A workflow id is run by one owner at a time. The owner identity is
``"host:pid:token"``; a lease can be taken over when it expired, or at once when its owner was a
process on this host that no longer exists (killed), so a crashed run can be resumed right away.
Every write carries the lease and fails (:class:`LeaseLostError`) if someone else took it, so two
processes never interleave steps of one workflow. While a run is active, a heartbeat renews its
lease every third of ``lease_seconds`` (``checkpointers/heartbeat.py``), so a node running longer
than the lease does not let another process take the workflow over.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, TypeVar

from hypergraph.checkpointers.policy import CheckpointPolicy, Durability, Retention
from hypergraph.checkpointers.records import (
    Checkpoint,
    Run,
    StepAttempt,
    StepRecord,
    StepStatus,
    WorkflowStatus,
)
from hypergraph.checkpointers.serializers import JsonSerializer, Serializer

_T = TypeVar("_T")

__all__ = [
    "RUN_COLUMNS",
    "STEP_COLUMNS",
    "Checkpointer",
    "Lease",
    "LeaseLostError",
    "PackRow",
    "RunUpdate",
    "StepRow",
    "WriteBatch",
    "decode_attempts",
    "decode_decision",
    "encode_attempts",
    "encode_decision",
    "lease_lost",
    "new_owner",
    "owner_is_gone",
    "run_from_row",
    "run_row",
    "run_rows",
    "step_record",
    "step_row",
]

END_NAME = "END"  # how a gate's END target is stored


class LeaseLostError(RuntimeError):
    """A write was refused because another owner holds the workflow's lease now."""


def lease_lost(lease: Lease, holder: str | None) -> LeaseLostError:
    """The error of a write under ``lease`` refused because ``holder`` (or nobody) holds it now."""
    return LeaseLostError(
        f"Workflow {lease.workflow_id!r} is now run by {holder if holder else 'nobody'!r}."
    )


@dataclass(frozen=True)
class Lease:
    """The right to write one workflow: its id, the owner, and until when it holds."""

    workflow_id: str
    owner: str
    expires_at: float


class StepRow(NamedTuple):
    """A :class:`StepRecord` as stored: plain values, in column order."""

    run_id: str
    superstep: int
    node_name: str
    position: int  # StepRecord.index (a tuple already has an index method)
    status: str
    input_versions: str  # JSON object name -> version
    values: bytes  # the serializer's bytes
    duration_ms: float
    cached: bool
    decision: str | None  # JSON list of target names ("END" for END)
    error: str | None
    node_type: str
    created_at: float
    completed_at: float
    child_run_id: str | None
    output_versions: str  # JSON object name -> version
    attempts: str | None = None  # JSON list of [number, error, delay]; None: not guarded


class PackRow(NamedTuple):
    """Finished map items stored as one row (checkpointers/packs.py): plain values, in column
    order. ``meta`` is JSON (the items' shared run fields, step shapes, and how they take the
    map's inputs), ``times`` each item's index and times (little-endian doubles), ``values``
    the serializer's bytes of every item's outputs, one list per name."""

    parent_run_id: str
    first_index: int  # the lowest item index in the pack
    last_index: int  # the highest
    meta: str
    times: bytes
    values: bytes


class RunUpdate(NamedTuple):
    """New status and counters of a run (absolute values, not increments)."""

    run_id: str
    status: str
    duration_ms: float
    node_count: int
    error_count: int
    completed_at: float | None


@dataclass
class WriteBatch:
    """Everything to store in one transaction (see :meth:`Checkpointer._write`).

    Attributes:
        deletes: Run ids to delete with their steps, their child runs (ids ``"<id>/..."``) and
            the packs of all of them.
        unpacked: Map run ids whose packs to delete (their items are in ``new_runs`` and
            ``steps`` of the same batch: checkpointers/packs.py ``expand``).
        new_runs: ``(run, serialized inputs)`` to insert.
        packs: Pack rows to insert.
        steps: Step rows to insert.
        prune: ``(run_id, window)``: delete the steps of that run that resuming does not need:
            a step is kept when no later *completed* step of the same node exists, or (when
            ``window`` is a number) when it belongs to the run's last ``window`` supersteps.
        updates: Status and counters to set on existing runs.
    """

    deletes: list[str] = field(default_factory=list)
    unpacked: list[str] = field(default_factory=list)
    new_runs: list[tuple[Run, bytes]] = field(default_factory=list)
    packs: list[PackRow] = field(default_factory=list)
    steps: list[StepRow] = field(default_factory=list)
    prune: list[tuple[str, int | None]] = field(default_factory=list)
    updates: list[RunUpdate] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.deletes or self.unpacked or self.new_runs or self.packs or self.steps
            or self.prune or self.updates
        )  # fmt: skip

    def extend(self, other: WriteBatch) -> None:
        """Append ``other``'s operations (used by the background writer to coalesce)."""
        self.deletes.extend(other.deletes)
        self.unpacked.extend(other.unpacked)
        self.new_runs.extend(other.new_runs)
        self.packs.extend(other.packs)
        self.steps.extend(other.steps)
        self.prune.extend(other.prune)
        self.updates.extend(other.updates)


_HOST = socket.gethostname()


def new_owner() -> str:
    """A fresh owner identity for this process: ``"host:pid:token"``."""
    return f"{_HOST}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_is_gone(holder: str, expires_at: float, now: float | None = None) -> bool:
    """Whether a lease held by ``holder`` may be taken over: expired, or its process died."""
    if expires_at < (time.time() if now is None else now):
        return True
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # another run of this very process holds it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed child not yet reaped by its parent still answers ``kill(pid, 0)``."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def encode_decision(decision: list[str] | None) -> str | None:
    """A gate decision as stored (JSON list of names)."""
    return None if decision is None else json.dumps(decision)


def decode_decision(text: str | None) -> list[str] | None:
    """A stored gate decision back as a list of names (``"END"`` for END)."""
    return None if text is None else list(json.loads(text))


def encode_attempts(attempts: list[tuple[int, str | None, float]] | None) -> str | None:
    """Attempts as stored: a JSON list of ``[number, error, delay]`` (``None`` when none)."""
    return None if not attempts else json.dumps(attempts)


def decode_attempts(text: str | None) -> list[StepAttempt]:
    """Stored attempts back as :class:`StepAttempt` records."""
    if not text:
        return []
    return [StepAttempt(int(n), error, float(delay)) for n, error, delay in json.loads(text)]


def step_row(step: StepRecord, payload: bytes) -> StepRow:
    """The stored form of ``step`` whose values were serialized to ``payload``."""
    return StepRow(
        step.run_id,
        step.superstep,
        step.node_name,
        step.index,
        str(step.status),
        json.dumps(step.input_versions),
        payload,
        step.duration_ms,
        step.cached,
        encode_decision(step.decision),
        step.error,
        step.node_type,
        step.created_at,
        step.completed_at,
        step.child_run_id,
        json.dumps(step.output_versions),
        encode_attempts([(a.number, a.error, a.delay) for a in step.attempts]),
    )


def step_record(row: StepRow | tuple[Any, ...], values: dict[str, Any]) -> StepRecord:
    """A :class:`StepRecord` from a stored row and its decoded values."""
    row = StepRow(*row)
    return StepRecord(
        run_id=row.run_id,
        superstep=int(row.superstep),
        node_name=row.node_name,
        index=int(row.position),
        status=StepStatus(row.status),
        input_versions=json.loads(row.input_versions),
        values=values,
        duration_ms=float(row.duration_ms),
        cached=bool(row.cached),
        decision=decode_decision(row.decision),
        error=row.error,
        node_type=row.node_type,
        created_at=float(row.created_at),
        completed_at=float(row.completed_at),
        child_run_id=row.child_run_id,
        output_versions=json.loads(row.output_versions),
        attempts=decode_attempts(row.attempts),
    )


RUN_COLUMNS = (
    "id, status, graph_name, duration_ms, node_count, error_count, parent_run_id, forked_from, "
    "fork_superstep, retry_of, retry_index, config, created_at, completed_at"
)
"""The columns of a stored run, in the order :func:`run_row` gives and :func:`run_from_row` takes."""

STEP_COLUMNS = (
    "run_id, superstep, node_name, idx, status, input_versions, step_values, duration_ms, "
    "cached, decision, error, node_type, created_at, completed_at, child_run_id, output_versions, "
    "attempts"
)
"""The columns of a stored step, in :class:`StepRow` order."""


def run_row(run: Run, inputs: bytes, config: str | None = None) -> tuple[Any, ...]:
    """``run`` as stored: the values of :data:`RUN_COLUMNS`, then its serialized ``inputs``.

    ``config`` is ``run.config`` as JSON when the caller has it already (see :func:`run_rows`).
    """
    return (
        run.id,
        str(run.status),
        run.graph_name,
        run.duration_ms,
        run.node_count,
        run.error_count,
        run.parent_run_id,
        run.forked_from,
        run.fork_superstep,
        run.retry_of,
        run.retry_index,
        json.dumps(run.config) if config is None else config,
        run.created_at,
        run.completed_at,
        inputs,
    )


def run_rows(new_runs: list[tuple[Run, bytes]]) -> list[tuple[Any, ...]]:
    """:func:`run_row` of each ``(run, inputs)``; a config shared by many runs (the items of a
    map share one) is encoded once."""
    encoded: dict[int, str] = {}
    rows = []
    for run, inputs in new_runs:
        key = id(run.config)
        config = encoded.get(key)
        if config is None:
            config = encoded[key] = json.dumps(run.config)
        rows.append(run_row(run, inputs, config))
    return rows


def run_from_row(row: tuple[Any, ...] | Any) -> Run:
    """A :class:`Run` from the values of :data:`RUN_COLUMNS`."""
    return Run(
        id=row[0],
        status=WorkflowStatus(row[1]),
        graph_name=row[2],
        duration_ms=float(row[3]),
        node_count=int(row[4]),
        error_count=int(row[5]),
        parent_run_id=row[6],
        forked_from=row[7],
        fork_superstep=row[8],
        retry_of=row[9],
        retry_index=row[10],
        config=json.loads(row[11]),
        created_at=float(row[12]),
        completed_at=row[13],
    )


def _item_place(run_id: str) -> tuple[str, int] | None:
    """``(map run id, item index)`` of a map item's run id ``"<map>/<i>"``, else ``None``."""
    parent, _, index = run_id.rpartition("/")
    if not parent or not index.isdigit():
        return None
    return parent, int(index)


class Checkpointer(ABC):
    """Stores runs step by step so they survive the process (see the module docs).

    Args:
        durability: Overrides ``policy.durability`` (``"sync"``, ``"async"`` or ``"exit"``).
        retention: Overrides ``policy.retention`` (``"full"``, ``"latest"`` or ``"windowed"``).
        policy: A :class:`CheckpointPolicy` (default: ``CheckpointPolicy()``, async and full).
        serializer: How values are stored (default: ``JsonSerializer()``).

    Pass one to a runner (``SyncRunner(checkpointer=cp)``) and give runs a ``workflow_id``.
    """

    lease_seconds: float = 60.0
    """How long a lease holds without a renewal before another process may take it over. An
    active run renews it every third of this (a write renews it too), so only a crashed or
    stuck owner lets it lapse; set it on the object to change it."""

    def __init__(
        self,
        *,
        durability: Durability | None = None,
        retention: Retention | None = None,
        policy: CheckpointPolicy | None = None,
        serializer: Serializer | None = None,
    ) -> None:
        if policy is not None and not isinstance(policy, CheckpointPolicy):
            raise TypeError(f"policy must be a CheckpointPolicy, got {type(policy).__name__}.")
        base = policy if policy is not None else CheckpointPolicy()
        changes: dict[str, Any] = {}
        if durability is not None:
            changes["durability"] = durability
        if retention is not None:
            changes["retention"] = retention
            if retention != "windowed":
                changes["window"] = None
        self.policy: CheckpointPolicy = replace(base, **changes) if changes else base
        if serializer is not None and not isinstance(serializer, Serializer):
            raise TypeError(
                f"serializer must be a Serializer (JsonSerializer() or "
                f"PickleSerializer(allow_pickle=True)), got {type(serializer).__name__}."
            )
        self.serializer: Serializer = serializer if serializer is not None else JsonSerializer()

    # ------------------------------------------------------------------ storage (backends)
    @abstractmethod
    def _write(self, batch: WriteBatch, lease: Lease | None) -> None:
        """Apply ``batch`` in one transaction, fenced by ``lease`` (see the module docs)."""

    @abstractmethod
    def _load_run(self, run_id: str) -> Run | None:
        """The stored run, or ``None`` (packed items are not looked at)."""

    @abstractmethod
    def _load_inputs(self, run_id: str) -> bytes | None:
        """The run's serialized inputs, or ``None`` (packed items are not looked at)."""

    @abstractmethod
    def _load_steps(self, run_id: str, up_to: int | None) -> list[StepRow]:
        """Step rows of ``run_id`` with ``superstep <= up_to`` (all if ``None``), by index."""

    @abstractmethod
    def _load_packs(self, parent_run_id: str, index: int | None) -> list[PackRow]:
        """Packs of ``parent_run_id`` whose index range holds ``index`` (all if ``None``)."""

    @abstractmethod
    def _read_runs(
        self,
        status: WorkflowStatus | None,
        graph_name: str | None,
        since: float | None,
        limit: int,
    ) -> list[Run]:
        """Top-level runs, newest first, created at or after ``since``."""

    @abstractmethod
    def _load_children(self, parent_run_id: str) -> list[Run]:
        """Runs whose ``parent_run_id`` is ``parent_run_id`` (packed items are not included)."""

    @abstractmethod
    def _try_lease(
        self,
        workflow_id: str,
        owner: str,
        expires_at: float,
        may_take: Callable[[str, float], bool],
    ) -> tuple[str, float] | None:
        """Take the lease (see the module docs); ``None`` if taken, else the current holder."""

    @abstractmethod
    def _release_lease(self, workflow_id: str, owner: str) -> None:
        """Drop the lease on ``workflow_id`` if ``owner`` holds it."""

    def close(self) -> None:  # noqa: B027 - optional for backends
        """Release the backend's connections (the checkpointer may reopen them on use)."""

    # ------------------------------------------------------------------ stored rows (shared)
    def _read_run(self, run_id: str) -> Run | None:
        """The stored run ``run_id``, a packed map item included, or ``None``."""
        run = self._load_run(run_id)
        if run is None:
            from hypergraph.checkpointers.packs import packed_run

            run = self._in_packs(run_id, packed_run)
        return run

    def _read_inputs(self, run_id: str) -> bytes | None:
        """The serialized inputs of run ``run_id`` (a packed map item included), or ``None``."""
        inputs = self._load_inputs(run_id)
        if inputs is None:
            from hypergraph.checkpointers.packs import item_inputs, packed_mapping

            mapping = self._in_packs(run_id, packed_mapping)
            if mapping is not None:  # picked from the map's inputs, read once it is packed
                map_id, _, index = run_id.rpartition("/")
                values = item_inputs(self._map_inputs(map_id), mapping, int(index))
                inputs = self.serializer.dumps(values)
        return inputs

    def _map_inputs(self, map_run_id: str) -> dict[str, Any]:
        """The decoded inputs of map run ``map_run_id`` (its packed items' are picked from them)."""
        stored = self._load_inputs(map_run_id)
        return self.serializer.loads(stored) if stored is not None else {}

    def _read_steps(self, run_id: str, up_to: int | None) -> list[StepRow]:
        """The step rows of ``run_id`` (a packed map item included) up to superstep ``up_to``."""
        rows = self._load_steps(run_id, up_to)
        if not rows:
            from hypergraph.checkpointers.packs import unpack_item

            serializer = self.serializer
            packed = self._in_packs(run_id, lambda pack, i: unpack_item(pack, serializer, i))
            if packed is not None:
                rows = [row for row in packed[1] if up_to is None or row.superstep <= up_to]
        return rows

    def _read_children(self, parent_run_id: str) -> list[Run]:
        """The runs whose parent is ``parent_run_id``, packed map items included."""
        from hypergraph.checkpointers.packs import packed_runs

        children = self._load_children(parent_run_id)
        for pack in self._load_packs(parent_run_id, None):
            children.extend(packed_runs(pack))
        return children

    def _in_packs(self, run_id: str, read: Callable[[PackRow, int], _T | None]) -> _T | None:
        """``read(pack, index)`` of the first pack holding map item ``run_id`` (``"<map>/<i>"``)
        that gives something, or ``None`` (not a map item's id, or the item is not packed)."""
        place = _item_place(run_id)
        if place is None:
            return None
        for pack in self._load_packs(*place):
            found = read(pack, place[1])
            if found is not None:
                return found
        return None

    def unpacked_items(self, parent_run_id: str) -> WriteBatch:
        """The write that turns the packs of map run ``parent_run_id`` into ordinary rows (a
        map about to resume: its items may then be updated one by one). Empty when it has no
        packs."""
        from hypergraph.checkpointers.packs import expand

        batch = WriteBatch()
        packs = self._load_packs(parent_run_id, None)
        map_inputs = self._map_inputs(parent_run_id) if packs else {}
        for pack in packs:
            for run, inputs, rows in expand(pack, self.serializer, map_inputs):
                batch.new_runs.append((run, inputs))
                batch.steps.extend(rows)
        if batch.new_runs:
            batch.unpacked.append(parent_run_id)
        return batch

    # ------------------------------------------------------------------ leases (shared)
    def acquire_lease(self, workflow_id: str, owner: str) -> Lease:
        """Take the lease on ``workflow_id`` for ``owner``, or raise ``WorkflowBusyError``."""
        from hypergraph.exceptions import WorkflowBusyError

        expires_at = time.time() + self.lease_seconds
        holder = self._try_lease(workflow_id, owner, expires_at, owner_is_gone)
        if holder is not None:
            who, until = holder
            raise WorkflowBusyError(workflow_id, who, until)
        return Lease(workflow_id, owner, expires_at)

    def renewed(self, lease: Lease) -> Lease:
        """``lease`` with a fresh expiry (writes carry it; the backend extends the lease)."""
        return Lease(lease.workflow_id, lease.owner, time.time() + self.lease_seconds)

    def release_lease(self, lease: Lease) -> None:
        """Give the lease up (a no-op when someone else holds it by now)."""
        self._release_lease(lease.workflow_id, lease.owner)

    # ------------------------------------------------------------------ read API (shared)
    def get_run(self, run_id: str) -> Run | None:
        """The stored :class:`Run` ``run_id``, or ``None`` if there is none."""
        return self._read_run(run_id)

    def steps(self, run_id: str, *, superstep: int | None = None) -> list[StepRecord]:
        """The steps of ``run_id`` up to and including ``superstep`` (all if ``None``)."""
        loads = self.serializer.loads
        return [step_record(row, loads(row.values)) for row in self._read_steps(run_id, superstep)]

    def inputs(self, run_id: str) -> dict[str, Any] | None:
        """The inputs the workflow was started with, or ``None`` if there is no such run."""
        data = self._read_inputs(run_id)
        return None if data is None else self.serializer.loads(data)

    def state(self, run_id: str, *, superstep: int | None = None) -> dict[str, Any]:
        """Every value of ``run_id`` as of ``superstep`` (the end if ``None``): the inputs,
        then each completed step's outputs in order (later writes win).

        With retention ``"latest"`` or ``"windowed"`` older steps are gone, so a state before
        the kept supersteps shows only what was kept.
        """
        return self._replay(run_id, self.steps(run_id, superstep=superstep))

    def _replay(self, run_id: str, steps: list[StepRecord]) -> dict[str, Any]:
        """The inputs of ``run_id``, then each completed step's outputs in order."""
        values = dict(self.inputs(run_id) or {})
        for step in steps:
            if step.status is StepStatus.COMPLETED:
                values.update(step.values)
        return values

    def runs(
        self,
        *,
        status: WorkflowStatus | str | None = None,
        graph_name: str | None = None,
        since: float | None = None,
        limit: int = 100,
    ) -> list[Run]:
        """Top-level runs (not map items), newest first.

        Args:
            status: Only runs with this status.
            graph_name: Only runs of the graph with this name.
            since: Only runs created at or after this POSIX timestamp (or ``datetime``).
            limit: At most this many.
        """
        wanted = WorkflowStatus(status) if status is not None else None
        if since is not None and hasattr(since, "timestamp"):
            since = since.timestamp()
        return self._read_runs(wanted, graph_name, since, int(limit))

    def checkpoint(self, run_id: str, *, superstep: int | None = None) -> Checkpoint:
        """The state of ``run_id`` as of ``superstep`` (the latest if ``None``), to fork from.

        Raises ``KeyError`` when there is no such run.
        """
        if self._read_run(run_id) is None:
            raise KeyError(
                f"No workflow {run_id!r} in this checkpointer. List what is stored with "
                "checkpointer.runs()."
            )
        steps = self.steps(run_id, superstep=superstep)
        last = steps[-1].superstep if steps else None
        values = self._replay(run_id, steps)
        return Checkpoint(values, steps, run_id, last if superstep is None else superstep)

    async def get_steps(self, run_id: str, *, superstep: int | None = None) -> list[StepRecord]:
        """Coroutine twin of :meth:`steps`."""
        import asyncio

        return await asyncio.to_thread(self.steps, run_id, superstep=superstep)

    async def get_state(self, run_id: str, *, superstep: int | None = None) -> dict[str, Any]:
        """Coroutine twin of :meth:`state`."""
        import asyncio

        return await asyncio.to_thread(self.state, run_id, superstep=superstep)

    async def list_runs(
        self,
        *,
        status: WorkflowStatus | str | None = None,
        graph_name: str | None = None,
        since: float | None = None,
        limit: int = 100,
    ) -> list[Run]:
        """Coroutine twin of :meth:`runs`."""
        import asyncio

        return await asyncio.to_thread(
            self.runs, status=status, graph_name=graph_name, since=since, limit=limit
        )

    async def get_checkpoint(self, run_id: str, *, superstep: int | None = None) -> Checkpoint:
        """Coroutine twin of :meth:`checkpoint`."""
        import asyncio

        return await asyncio.to_thread(self.checkpoint, run_id, superstep=superstep)

    def __repr__(self) -> str:
        p = self.policy
        return (
            f"{type(self).__name__}(durability={p.durability!r}, retention={p.retention!r}, "
            f"serializer={self.serializer!r})"
        )
