"""Where a run's writes go: straight to the store, to a background writer, or held until exit.

One sink serves one top-level ``run`` or ``map`` (nested runs and map items share it) and carries
the workflow's lease: every write is fenced by it (``Checkpointer._write``). The policy's
durability picks the sink:

- ``"sync"`` → :class:`DirectSink`: each superstep's batch is written before the run continues;
  a failed write fails the run.
- ``"async"`` → :class:`BackgroundSink`: batches are queued to one writer thread, which coalesces
  whatever is queued into one transaction. A failed write is kept (``errors``) and never fails
  the run, except losing the lease, which stops it (someone else runs the workflow now).
- ``"exit"`` → :class:`ExitSink`: batches are merged in memory and written once by ``flush``.
"""

from __future__ import annotations

import queue
import threading
from typing import TYPE_CHECKING

from hypergraph.checkpointers.base import Lease, LeaseLostError, WriteBatch

if TYPE_CHECKING:
    from hypergraph.checkpointers.base import Checkpointer

__all__ = ["BackgroundSink", "DirectSink", "ExitSink", "Sink", "open_sink"]


class Sink:
    """Receives write batches for one workflow (and its items) under its lease."""

    def __init__(self, checkpointer: Checkpointer, lease: Lease) -> None:
        self.checkpointer = checkpointer
        self.lease = lease
        self.errors: list[BaseException] = []
        self.lost: LeaseLostError | None = None

    def put(self, batch: WriteBatch) -> None:
        """Store ``batch`` (now, later, or at exit, depending on the sink)."""
        raise NotImplementedError

    def flush(self) -> None:
        """Wait until everything put so far is stored (or failed)."""

    def close(self) -> None:
        """Flush, stop any background work, and release the lease."""
        try:
            self.flush()
        finally:
            self._stop()
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
    """``durability="async"``: one writer thread, batches coalesced per transaction."""

    def __init__(self, checkpointer: Checkpointer, lease: Lease) -> None:
        super().__init__(checkpointer, lease)
        self._queue: queue.Queue[WriteBatch | None] = queue.Queue()
        self._thread = threading.Thread(
            target=self._work, name=f"hypergraph-checkpoint-{lease.workflow_id}", daemon=True
        )
        self._thread.start()

    def put(self, batch: WriteBatch) -> None:
        if self.lost is not None:
            raise self.lost
        self._queue.put(batch)

    def flush(self) -> None:
        self._queue.join()

    def _stop(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _work(self) -> None:
        get, done = self._queue.get, self._queue.task_done
        while True:
            batch = get()
            if batch is None:
                done()
                return
            taken = 1
            merged = WriteBatch()
            merged.extend(batch)
            stop = False
            while True:  # coalesce everything already queued into one transaction
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                taken += 1
                if more is None:
                    stop = True
                    break
                merged.extend(more)
            try:
                merged.prune = list(dict.fromkeys(merged.prune))
                self._write(merged)
            except LeaseLostError as exc:
                self.lost = exc
                self.errors.append(exc)
            except Exception as exc:
                self.errors.append(exc)
            for _ in range(taken):
                done()
            if stop:
                return


def open_sink(checkpointer: Checkpointer, lease: Lease) -> Sink:
    """The sink the checkpointer's durability asks for."""
    durability = checkpointer.policy.durability
    if durability == "sync":
        return DirectSink(checkpointer, lease)
    if durability == "exit":
        return ExitSink(checkpointer, lease)
    return BackgroundSink(checkpointer, lease)
