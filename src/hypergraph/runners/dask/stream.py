"""Streaming the chunks of a ``DaskRunner.map`` through the cluster and collecting the results.

:func:`collect_chunks` keeps at most ``max_in_flight`` chunks outstanding: it submits the first
ones, then submits one more each time one finishes (``distributed.as_completed``), pulling
chunks lazily from the planner. Neither the client nor the scheduler ever holds the whole batch;
the client keeps only the results.

- Results are stored by item index, so chunks may finish in any order, and a chunk Dask re-runs
  after losing a worker simply delivers its results once, when its future finally completes.
- Events come back with each chunk and are replayed to the client's processors **in item order**:
  a chunk's events wait until every earlier chunk has been replayed.
- ``"continue"``: every item's result is kept, failures as FAILED results.
- ``"raise"``: after a failing item, chunks *after* its chunk are cancelled and no new chunk is
  submitted; earlier chunks still finish, because one of them may fail too, and the failure
  raised is the first in input order (the original exception, as SyncRunner raises it).
- A chunk whose task itself fails (a worker lost too often, a graph that cannot be unpickled on
  the worker) counts as a failure of each of its items with that error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError
from typing import Any

from hypergraph.runners.dask.worker import load_outcomes
from hypergraph.runners.map_plan import failed_item_result
from hypergraph.runners.result import RunResult

__all__ = ["collect_chunks", "replay_events"]

Chunk = tuple[int, int, int, bytes]  # (chunk index, first item index, item count, columns)


def replay_events(events: Any, recorded: list[Any]) -> None:
    """Deliver events recorded in a worker to the client's processors, in their order."""
    if events is None:
        return
    emit = events.emit
    for event in recorded:
        emit(event)


def collect_chunks(
    client: Any,
    submit: Callable[[int, bytes], Any],
    chunks: Iterable[Chunk],
    count: int,
    *,
    max_in_flight: int,
    keep_going: bool,
    events: Any,
) -> list[RunResult]:
    """Run every chunk through ``submit`` and return the ``count`` results in input order.

    Args:
        client: The ``distributed.Client`` (used to cancel chunks).
        submit: Submits one chunk (its first item's index, its pickled columns) and returns
            its future.
        chunks: The planned chunks, produced lazily (see ``shipping.plan_chunks``).
        count: Total number of items.
        max_in_flight: Most chunks outstanding at once.
        keep_going: ``error_handling == "continue"``.
        events: The client's event channel, or ``None``.

    Raises:
        The first failing item's exception, in input order, when ``keep_going`` is false.
    """
    return _Collector(client, submit, chunks, count, max_in_flight, keep_going, events).run()


class _Collector:
    """The state of one map's collection loop (see :func:`collect_chunks`)."""

    def __init__(
        self,
        client: Any,
        submit: Callable[[int, bytes], Any],
        chunks: Iterable[Chunk],
        count: int,
        max_in_flight: int,
        keep_going: bool,
        events: Any,
    ) -> None:
        from distributed import as_completed

        self.client = client
        self.submit = submit
        self.chunks = iter(chunks)
        self.max_in_flight = max_in_flight
        self.keep_going = keep_going
        self.events = events
        self.results: list[Any] = [None] * count
        self.in_flight: dict[Any, tuple[int, int, int]] = {}  # future -> (index, start, size)
        self.completed = as_completed(loop=client.loop)
        self.planned_all = False
        # "raise": (item index, chunk index, exception) of the first failure seen so far.
        self.failure: tuple[int, int, BaseException] | None = None
        self.waiting_events: dict[int, list[Any]] = {}  # chunk index -> events, until replayed
        self.next_replay = 0

    def run(self) -> list[RunResult]:
        try:
            for _ in range(self.max_in_flight):
                self._submit_next()
            while self.in_flight:
                future = next(self.completed)
                meta = self.in_flight.pop(future, None)
                if meta is None:  # a chunk cancelled after an earlier failure
                    continue
                self._collect(future, *meta)
                self._submit_next()
        finally:
            if self.in_flight:  # an exception (or Ctrl-C) left chunks running: stop them
                self.client.cancel(list(self.in_flight))
        if self.failure is not None:
            raise self.failure[2]
        return self.results

    def _submit_next(self) -> None:
        if self.planned_all or (self.failure is not None and not self.keep_going):
            return
        chunk = next(self.chunks, None)
        if chunk is None:
            self.planned_all = True
            return
        index, start, size, blob = chunk
        future = self.submit(start, blob)
        self.in_flight[future] = (index, start, size)
        self.completed.add(future)

    def _collect(self, future: Any, index: int, start: int, size: int) -> None:
        try:
            outcomes, recorded = load_outcomes(future.result())
        except CancelledError:
            raise  # someone else cancelled it (client closed, cluster gone): not an item failure
        except Exception as exc:  # the task itself failed, e.g. KilledWorker
            outcomes, recorded = [failed_item_result(exc) for _ in range(size)], []
        self.results[start : start + size] = outcomes
        if not self.keep_going:
            for offset, result in enumerate(outcomes):
                if result.error is not None:
                    self._record_failure(start + offset, index, result.error)
                    break
        self.waiting_events[index] = recorded
        self._replay_ready()

    def _record_failure(self, item: int, chunk: int, error: BaseException) -> None:
        if self.failure is not None and self.failure[0] <= item:
            return
        self.failure = (item, chunk, error)
        # Later chunks cannot hold an earlier failure: stop them. Earlier ones keep running.
        later = [f for f, (index, _, _) in self.in_flight.items() if index > chunk]
        for future in later:
            del self.in_flight[future]
        if later:
            self.client.cancel(later)

    def _replay_ready(self) -> None:
        """Replay the events of every chunk whose predecessors have all been replayed."""
        last = self.failure[1] if self.failure is not None else None
        while self.next_replay in self.waiting_events:
            if last is not None and self.next_replay > last:
                break  # chunks after the raised failure do not count as part of the map
            replay_events(self.events, self.waiting_events.pop(self.next_replay))
            self.next_replay += 1
