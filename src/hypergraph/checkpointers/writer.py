"""Where a run's writes go: straight to the store, to a background writer, or held until exit.

One sink serves one top-level ``run`` or ``map`` (nested runs and map items share it) and carries
the workflow's lease: every write is fenced by it (``Checkpointer._write``). The policy's
durability picks the sink:

- ``"sync"`` → :class:`DirectSink`: each superstep's batch is written before the run continues;
  a failed write fails the run.
- ``"async"`` → :class:`BackgroundSink`: batches are queued to one writer thread, which writes
  whatever is pending in one transaction. A failed write is kept (``errors``) and never fails
  the run, except losing the lease, which stops it (someone else runs the workflow now).
- ``"exit"`` → :class:`ExitSink`: batches are merged in memory and written once by ``flush``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from hypergraph.checkpointers.base import Lease, LeaseLostError, PackRow, StepRow, WriteBatch
from hypergraph.checkpointers.heartbeat import renew_lease

if TYPE_CHECKING:
    from hypergraph.checkpointers.base import Checkpointer
    from hypergraph.checkpointers.heartbeat import LeaseHeartbeat
    from hypergraph.checkpointers.packs import ItemPacker
    from hypergraph.checkpointers.records import Run

__all__ = ["BackgroundSink", "DirectSink", "ExitSink", "ItemNotStoredError", "Sink", "open_sink"]

_LINGER = 0.002  # seconds the background writer waits after waking, to batch more steps
_POLL = 0.01  # seconds between looks at the queue while map items may arrive unannounced


class ItemNotStoredError(RuntimeError):
    """A map item ran but its record could not be written (on ``result.checkpoint_errors``)."""


class Sink:
    """Receives write batches for one workflow (and its items) under its lease."""

    def __init__(self, checkpointer: Checkpointer, lease: Lease) -> None:
        self.checkpointer = checkpointer
        self.lease = lease
        self.errors: list[BaseException] = []
        self.lost: LeaseLostError | None = None
        self.heartbeat: LeaseHeartbeat | None = None

    def add_packer(self, packer: ItemPacker) -> bool:
        """Store the items ``packer`` queues in packs from now on; ``False`` when this sink does
        not pack (only the background writer does: it packs them off the run's thread)."""
        return False

    def keep_alive(self) -> Sink:
        """Renew the lease in the background until :meth:`close` (checkpointers/heartbeat.py).

        For the sink of a top-level run or map, which holds the lease; not for a Dask worker's
        sink, which writes under the lease its client keeps alive."""
        from hypergraph.checkpointers.heartbeat import LeaseHeartbeat

        if self.heartbeat is None:
            self.heartbeat = LeaseHeartbeat(self)
        return self

    def put(self, batch: WriteBatch) -> None:
        """Store ``batch`` (now, later, or at exit, depending on the sink)."""
        raise NotImplementedError

    def put_steps(self, rows: list[StepRow], prune: tuple[str, int | None] | None) -> None:
        """Store one superstep's step rows (and the run's prune, if its retention asks)."""
        self.put(WriteBatch(steps=rows, prune=[prune] if prune is not None else []))

    def put_run(
        self, run: Run, inputs: bytes, rows: list[StepRow], prune: tuple[str, int | None] | None
    ) -> None:
        """Store a new run whole: its record (status and counters final), its serialized
        ``inputs`` and its step rows (a map item under ``"async"`` durability, written once
        it ended)."""
        self.put(WriteBatch(new_runs=[(run, inputs)], steps=rows, prune=[prune] if prune else []))

    def write_now(self, batch: WriteBatch) -> None:
        """Store ``batch`` at once, whatever the durability, raising if that fails (a write a
        run cannot start without)."""
        self._write(batch)

    def flush(self) -> None:
        """Wait until everything put so far is stored (or failed)."""

    def finish(self) -> None:
        """Flush and stop any background work, keeping the lease (a Dask worker writing the
        items of a map under the lease its client holds)."""
        try:
            self.flush()
        finally:
            self._stop()

    def close(self) -> None:
        """Flush, stop any background work and the heartbeat, and release the lease."""
        try:
            self.finish()
        finally:
            if self.heartbeat is not None:
                self.heartbeat.stop()
            try:
                self.checkpointer.release_lease(self.lease)
            except Exception as exc:  # a failed release only delays a takeover
                self.errors.append(exc)

    def _stop(self) -> None:
        pass

    def _write(self, batch: WriteBatch) -> None:
        cp = self.checkpointer
        cp._write(batch, cp.renewed(self.lease))


class DirectSink(Sink):
    """``durability="sync"``: write each batch now; a failure raises."""

    def put(self, batch: WriteBatch) -> None:
        try:
            self._write(batch)
        except LeaseLostError as exc:
            self.lost = exc
            raise


class ExitSink(Sink):
    """``durability="exit"``: merge batches in memory, write them once on flush."""

    def __init__(self, checkpointer: Checkpointer, lease: Lease) -> None:
        super().__init__(checkpointer, lease)
        self._pending = WriteBatch()
        self._lock = threading.Lock()

    def put(self, batch: WriteBatch) -> None:
        with self._lock:
            self._pending.extend(batch)

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, WriteBatch()
        if pending:
            pending.prune = list(dict.fromkeys(pending.prune))
            self._write(pending)


class BackgroundSink(Sink):
    """``durability="async"``: one writer thread; whatever is pending goes in one transaction.

    ``put`` (and ``put_steps``, ``put_run``) only append to a deque (cheap: they run once per
    superstep of every run) and wake the writer when it sleeps; the writer drains the deque into
    one :class:`WriteBatch`. Map items queued by a packer (``add_packer``) are appended to the
    packer's own list without waking anyone; the writer looks at those lists every ``_POLL``
    seconds and packs what it finds (checkpointers/packs.py), serializing the values there, off
    the run's thread.
    """

    def __init__(self, checkpointer: Checkpointer, lease: Lease) -> None:
        super().__init__(checkpointer, lease)
        self._pending: deque[Any] = deque()
        self.packers: list[ItemPacker] = []
        self._wake = threading.Event()
        self._stopping = False
        self._urgent = False
        self._beat_every: float | None = None  # set by keep_alive
        self._thread = threading.Thread(
            target=self._work, name=f"hypergraph-checkpoint-{lease.workflow_id}", daemon=True
        )
        self._thread.start()

    def put(self, batch: WriteBatch) -> None:
        self._enqueue(batch)

    def put_steps(self, rows: list[StepRow], prune: tuple[str, int | None] | None) -> None:
        self._enqueue((rows, prune))

    def put_run(
        self, run: Run, inputs: bytes, rows: list[StepRow], prune: tuple[str, int | None] | None
    ) -> None:
        self._enqueue((rows, prune, run, inputs))

    def keep_alive(self) -> Sink:
        """Let the writer renew the lease whenever it wrote nothing for a third of
        ``lease_seconds`` (every write renews it): no heartbeat thread of its own."""
        self._beat_every = max(self.checkpointer.lease_seconds / 3.0, 0.01)
        self._wake.set()
        return self

    def add_packer(self, packer: ItemPacker) -> bool:
        packer.sink = self
        self.packers.append(packer)
        self._wake.set()  # the writer starts looking at the packers every _POLL seconds
        return True

    def _enqueue(self, item: Any) -> None:
        if self.lost is not None:
            raise self.lost
        self._pending.append(item)
        if not self._wake.is_set():
            self._wake.set()

    def flush(self) -> None:
        reached = threading.Event()
        self._pending.append(reached)  # the writer sets it once everything before is written
        self._urgent = True  # someone waits: no lingering
        self._wake.set()
        while not reached.wait(0.5):
            if not self._thread.is_alive():
                return

    def _packed(self, packer: ItemPacker) -> list[PackRow]:
        """The items ``packer`` queued so far, packed; an item whose values the serializer
        refuses after all loses only its own record (an error on :attr:`errors`)."""
        items = packer.take()
        if not items:
            return []
        try:
            return packer.pack(items)
        except Exception:
            rows, refused = packer.pack_each(items)
        for index, exc in refused:
            lost = ItemNotStoredError(
                f"Map item {packer.parent_run_id}/{index} completed but was not stored: its "
                f"values could not be serialized ({exc!r}). Running the map again runs that "
                "item again."
            )
            lost.__cause__ = exc
            self.errors.append(lost)
        return rows

    def _stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _timeout(self, renewed_at: float) -> float | None:
        """How long the writer may sleep: until the next look at the packers, or until the
        lease is due for renewal (``None``: until woken)."""
        timeout = _POLL if self.packers else None
        if self._beat_every is not None:
            due = max(renewed_at + self._beat_every - time.monotonic(), 0.0)
            timeout = due if timeout is None else min(timeout, due)
        return timeout

    def _work(self) -> None:
        pending, wake = self._pending, self._wake
        renewed_at = time.monotonic()  # the lease was just taken
        while True:
            wake.wait(self._timeout(renewed_at))
            if pending and not (self._stopping or self._urgent):
                time.sleep(_LINGER)  # let a few supersteps gather: one transaction for them all
            self._urgent = False
            wake.clear()
            batch = WriteBatch()
            reached: list[threading.Event] = []
            while pending:
                item = pending.popleft()
                kind = type(item)
                if kind is WriteBatch:
                    batch.extend(item)
                elif kind is threading.Event:  # a flush waits for what came before it
                    reached.append(item)
                else:  # put_steps: (rows, prune); put_run: and (run, inputs)
                    if len(item) == 4:
                        batch.new_runs.append(item[2:])
                    batch.steps.extend(item[0])
                    if item[1] is not None:
                        batch.prune.append(item[1])
            for packer in self.packers:  # after the flush markers: what they wait for is queued
                batch.packs.extend(self._packed(packer))
            if batch:
                try:
                    batch.prune = list(dict.fromkeys(batch.prune))
                    self._write(batch)
                    renewed_at = time.monotonic()
                except LeaseLostError as exc:
                    self.lost = exc
                    self.errors.append(exc)
                except Exception as exc:
                    self.errors.append(exc)
            elif self._beat_due(renewed_at) and self.lost is None:
                renewed_at = self._renew(renewed_at)
            for event in reached:
                event.set()
            if self._stopping and not pending:
                return

    def _beat_due(self, renewed_at: float) -> bool:
        """Whether the lease is due for renewal (the writer wrote nothing for a beat)."""
        beat = self._beat_every
        return beat is not None and time.monotonic() - renewed_at >= beat

    def _renew(self, renewed_at: float) -> float:
        """Renew the lease (:func:`renew_lease`); returns when it counts as renewed: now, or,
        when it failed, half a beat after ``renewed_at``, so it is tried again then (once lost,
        it is not tried again)."""
        if renew_lease(self):
            return time.monotonic()
        return renewed_at + (self._beat_every or 0.0) / 2


def open_sink(checkpointer: Checkpointer, lease: Lease) -> Sink:
    """The sink the checkpointer's durability asks for."""
    durability = checkpointer.policy.durability
    if durability == "sync":
        return DirectSink(checkpointer, lease)
    if durability == "exit":
        return ExitSink(checkpointer, lease)
    return BackgroundSink(checkpointer, lease)
