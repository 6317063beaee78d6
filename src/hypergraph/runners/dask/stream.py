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
- A chunk whose task is cancelled by the cluster because the job it depends on was lost (every
  worker holding a scattered job died), or fails because the job's own task died with its
  workers (``KilledWorker`` naming the job), is resubmitted after the job is sent again, at most
  ``MAX_RESENDS`` times per chunk; after that its items fail with the error (the map still
  finishes).
- A chunk whose task killed its workers too often (``KilledWorker``) is rerun one task per item,
  and those suspect items run one at a time, with no new chunk submitted meanwhile, so a worker
  that dies then was killed by that item: only the item that kills its worker fails, with that
  error. Each item is rerun once (Dask's ``allowed-failures`` bounds the attempts of each task),
  so the search is bounded.
- A chunk whose task itself fails otherwise (a graph that cannot be unpickled on the worker)
  counts as a failure of each of its items with that error.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import Any

from hypergraph.runners.dask.codec import dumps, load_outcomes, loads
from hypergraph.runners.dask.shipping import SharedJob
from hypergraph.runners.map_plan import failed_item_result
from hypergraph.runners.result import RunResult

__all__ = ["MAX_RESENDS", "collect_chunks", "replay_events"]

Chunk = tuple[int, int, int, bytes]  # (chunk index, first item index, item count, columns)

# Times one chunk is resubmitted after the cluster lost the job it depends on.
MAX_RESENDS = 3


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
    job: SharedJob,
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
        job: The map's shared job, renewed when the cluster loses it.

    Raises:
        The first failing item's exception, in input order, when ``keep_going`` is false.
    """
    collector = _Collector(client, submit, chunks, count, max_in_flight, keep_going, events, job)
    return collector.run()


@dataclass
class _Part:
    """A submitted task: a whole chunk, or one item of a chunk rerun item by item."""

    chunk: int  # the planned chunk it belongs to
    start: int  # index of its first item in the whole map
    size: int
    blob: bytes  # its pickled columns, kept to resubmit it
    resends: int = 0
    suspect: bool = False  # one item of a chunk that killed its workers, rerun alone
    job_renewals: int = 0  # the shared job's renewal count when the part was last submitted


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
        job: SharedJob,
    ) -> None:
        from distributed import KilledWorker, as_completed

        self.killed_worker: type[BaseException] = KilledWorker
        self.client = client
        self.submit = submit
        self.chunks = iter(chunks)
        self.max_in_flight = max_in_flight
        self.keep_going = keep_going
        self.events = events
        self.job = job
        self.results: list[Any] = [None] * count
        self.in_flight: dict[Any, _Part] = {}
        self.completed = as_completed(loop=client.loop)
        self.planned_all = False
        # "raise": (item index, chunk index, exception) of the first failure seen so far.
        self.failure: tuple[int, int, BaseException] | None = None
        self.parts_left: dict[int, int] = {}  # chunk index -> its parts not yet collected
        self.part_events: dict[int, dict[int, list[Any]]] = {}  # chunk -> start -> events
        self.waiting_events: dict[int, list[Any]] = {}  # chunk index -> events, until replayed
        self.next_replay = 0
        self.suspects: deque[_Part] = deque()  # items waiting to be rerun alone
        self.suspect_running = False

    def run(self) -> list[RunResult]:
        try:
            self._fill()
            while self.in_flight:
                future = next(self.completed)
                part = self.in_flight.pop(future, None)
                if part is None:  # a chunk cancelled after an earlier failure
                    continue
                self._collect(future, part)
                future.release()  # collected: the cluster need not keep (or recompute) it
                self._fill()
        finally:
            if self.in_flight:  # an exception (or Ctrl-C) left chunks running: stop them
                self.client.cancel(list(self.in_flight))
        if self.failure is not None:
            raise self.failure[2]
        return self.results

    def _fill(self) -> None:
        """Submit planned chunks until ``max_in_flight`` are out (none while items are suspect).

        While the items of a chunk that killed its workers run one by one, nothing else is
        submitted: a worker dying then was killed by the suspect item, not by a new chunk.
        """
        while (
            len(self.in_flight) < self.max_in_flight
            and not self.planned_all
            and not (self.failure is not None and not self.keep_going)
            and not (self.suspects or self.suspect_running)
        ):
            chunk = next(self.chunks, None)
            if chunk is None:
                self.planned_all = True
                return
            index, start, size, blob = chunk
            self.parts_left[index] = 1
            self._submit(_Part(index, start, size, blob))

    def _submit(self, part: _Part) -> None:
        part.job_renewals = self.job.renewals
        future = self.submit(part.start, part.blob)
        self.in_flight[future] = part
        self.completed.add(future)

    def _collect(self, future: Any, part: _Part) -> None:
        try:
            outcomes, recorded = load_outcomes(future.result())
        except CancelledError:
            if self.client.status not in ("running", "connecting"):
                raise  # the client closed: not an item failure
            if self._resend(part):  # the cluster forgot the job it needs
                return
            outcomes, recorded = [failed_item_result(_lost_job(part)) for _ in range(part.size)], []
        except Exception as exc:  # the task itself failed, e.g. KilledWorker
            if isinstance(exc, self.killed_worker):
                if getattr(exc, "task", None) != future.key:  # the job it needs died, not it
                    if self._resend(part):
                        return
                elif not part.suspect:
                    self._rerun_items(part)  # find the item that kills its worker
                    self._next_suspect()
                    return
            outcomes, recorded = [failed_item_result(exc) for _ in range(part.size)], []
        if part.suspect:
            self.suspect_running = False
            self._next_suspect()
        self.results[part.start : part.start + part.size] = outcomes
        if not self.keep_going:
            for offset, result in enumerate(outcomes):
                if result.error is not None:
                    self._record_failure(part.start + offset, part.chunk, result.error)
                    break
        self._part_done(part, recorded)

    def _resend(self, part: _Part) -> bool:
        """The cluster lost the job this part depends on: send the job again, then the part.

        Returns ``False`` (nothing sent) once the part was resent ``MAX_RESENDS`` times.
        """
        if part.resends >= MAX_RESENDS:
            return False
        self.job.renew(part.job_renewals)
        part.resends += 1
        self._submit(part)
        return True

    def _rerun_items(self, part: _Part) -> None:
        """Queue the items of a chunk that killed its workers, to run one task per item."""
        columns: dict[str, list[Any]] = loads(part.blob)
        self.parts_left[part.chunk] += part.size - 1
        for offset in range(part.size):
            blob = dumps({name: [column[offset]] for name, column in columns.items()})
            self.suspects.append(_Part(part.chunk, part.start + offset, 1, blob, suspect=True))

    def _next_suspect(self) -> None:
        """Submit the next queued suspect item unless one is running (they run one at a time)."""
        while self.suspects and not self.suspect_running:
            part = self.suspects.popleft()
            if self.failure is not None and not self.keep_going and part.chunk > self.failure[1]:
                continue  # "raise": a chunk after the failure no longer counts
            self.suspect_running = True
            self._submit(part)

    def _part_done(self, part: _Part, recorded: list[Any]) -> None:
        """Keep a part's events; once its whole chunk is in, queue them for replay."""
        self.part_events.setdefault(part.chunk, {})[part.start] = recorded
        self.parts_left[part.chunk] -= 1
        if self.parts_left[part.chunk] > 0:
            return
        del self.parts_left[part.chunk]
        parts = self.part_events.pop(part.chunk)
        self.waiting_events[part.chunk] = [e for start in sorted(parts) for e in parts[start]]
        self._replay_ready()

    def _record_failure(self, item: int, chunk: int, error: BaseException) -> None:
        if self.failure is not None and self.failure[0] <= item:
            return
        self.failure = (item, chunk, error)
        # Later chunks cannot hold an earlier failure: stop them. Earlier ones keep running.
        later = [f for f, part in self.in_flight.items() if part.chunk > chunk]
        for future in later:
            if self.in_flight.pop(future).suspect:
                self.suspect_running = False  # the next suspect (of an earlier chunk) may run
        if later:
            self.client.cancel(later)
            self._next_suspect()

    def _replay_ready(self) -> None:
        """Replay the events of every chunk whose predecessors have all been replayed."""
        last = self.failure[1] if self.failure is not None else None
        while self.next_replay in self.waiting_events:
            if last is not None and self.next_replay > last:
                break  # chunks after the raised failure do not count as part of the map
            replay_events(self.events, self.waiting_events.pop(self.next_replay))
            self.next_replay += 1


def _lost_job(part: _Part) -> RuntimeError:
    return RuntimeError(
        f"The Dask cluster lost this map's job (graph and broadcast values) {part.resends + 1} "
        f"times while a task of {part.size} map item(s) waited for it: every worker holding it "
        "died each time. How to fix: find out why the workers die (memory limits, crashes in "
        "native code) or give the cluster more workers."
    )
