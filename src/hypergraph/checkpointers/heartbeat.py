"""Keeping a workflow's lease while its run is active, however long a node takes.

Every write renews the lease (``Checkpointer._write`` extends it), but a node that runs longer
than ``Checkpointer.lease_seconds`` writes nothing meanwhile: without a heartbeat its lease
would expire and another process could take the workflow over while it still runs. A
:class:`LeaseHeartbeat` renews the lease every third of ``lease_seconds`` until it is stopped.
Under ``"async"`` durability the background writer renews the lease itself whenever it wrote
nothing for that long (``BackgroundSink.keep_alive`` in checkpointers/writer.py), so a run
starts one thread, not two.

It is a daemon thread under both runners. Under ``AsyncRunner`` a task would do, except that a
sync node called on the event loop blocks the loop, and with it the task, for as long as it
runs, which is exactly when the heartbeat is needed. A thread dies with its process, so a
crashed owner's lease still expires ``lease_seconds`` after its last renewal (on the same host
it is taken over at once: see ``owner_is_gone``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from hypergraph.checkpointers.base import LeaseLostError, WriteBatch

if TYPE_CHECKING:
    from hypergraph.checkpointers.writer import Sink

__all__ = ["LeaseHeartbeat", "renew_lease"]


def renew_lease(sink: Sink) -> bool:
    """Renew ``sink``'s lease with an empty write fenced by it; whether it was renewed.

    If another owner took the workflow, the sink is marked lost (the run stops at its next
    step, as after a refused write); any other failure (the store briefly unreachable) is left
    for the next try, as the lease has time left.
    """
    cp = sink.checkpointer
    try:
        cp._write(WriteBatch(), cp.renewed(sink.lease))
    except LeaseLostError as exc:
        sink.lost = exc
        return False
    except Exception:
        return False
    return True


class LeaseHeartbeat:
    """Renews ``sink``'s lease every ``lease_seconds / 3`` seconds in a daemon thread.

    Each beat is :func:`renew_lease`; the heartbeat ends once the lease is lost.
    """

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.interval = max(sink.checkpointer.lease_seconds / 3.0, 0.01)
        self.beats = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._beat,
            name=f"hypergraph-lease-{sink.lease.workflow_id}",
            daemon=True,
        )
        self._thread.start()

    def _beat(self) -> None:
        sink, stopped = self.sink, self._stopped
        while not stopped.wait(self.interval):
            if renew_lease(sink):
                self.beats += 1
            elif sink.lost is not None:
                return

    def stop(self) -> None:
        """Stop renewing (before the lease is released) and wait for the thread to end."""
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
