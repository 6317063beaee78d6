"""The worker side of :class:`~hypergraph.runners.dask.DaskRunner`: what runs inside Dask tasks.

Two task functions, both plain module-level functions so Dask ships them by reference:

- :func:`run_one` executes one ``run()``;
- :func:`run_chunk` executes one chunk of ``map()`` items.

Neither re-implements a run loop. A chunk is handed to the public ``SyncRunner.map`` (or, when the
graph has async nodes, to ``AsyncRunner.map`` on an event loop owned by the task), with the
chunk's mapped values as equal-length lists in ``"zip"`` mode: the items, their order, cloning,
caching and events are exactly what the local runners produce. Items always run with
``error_handling="continue"`` so each item's outcome comes back; the client applies ``"raise"``
(first failure in input order) across chunks.

**Shipping.** The client pickles the job (graph, broadcast values, options, cache) once per map
with cloudpickle; every task receives those bytes as a Dask dependency plus a token, and each
worker process unpickles a job once (:func:`_load_job` keeps a few jobs per process). Results
travel back as bytes made by :func:`~hypergraph.runners.dask.codec.dump_outcomes`, with
unpicklable exceptions or outputs replaced by descriptive errors so that one odd value cannot
lose a whole chunk.

**Hosting.** The local runner runs hosted (runners/hosting.py): a chunk's map opens no map span
and its item runs hang under the client's map span, failure notes give each item's index in the
whole map, and an interrupt asking for a human answer (a Dask task cannot wait for one) fails
with an ``IncompatibleRunnerError`` instead of pausing, which fails the runs around it.

**Events.** With processors on the client, a task records its events and sends them back as
they are: the client sees one map with ``count`` item runs, and every span closed.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from hypergraph.events.processor import EventProcessor
from hypergraph.exceptions import IncompatibleRunnerError
from hypergraph.runners.dask.codec import dump_outcomes, load_cloudpickle, loads
from hypergraph.runners.dask.durable import INDEX
from hypergraph.runners.hosting import Hosting, host
from hypergraph.runners.result import RunResult

__all__ = [
    "MapJob",
    "RunJob",
    "keep_bytes",
    "needs_async_runner",
    "run_chunk",
    "run_one",
]


# Jobs kept unpickled per worker process: a few concurrent maps, without growing forever.
_JOB_MEMO_SIZE = 8
_jobs: OrderedDict[str, Any] = OrderedDict()
_jobs_lock = threading.Lock()


@dataclass(frozen=True)
class MapJob:
    """Everything the items of one ``map()`` share, shipped once per map.

    Attributes:
        graph: The graph every item runs.
        broadcast: The values every item receives (not mapped).
        names: The mapped parameter names, in ``map_over`` order.
        clone: ``map()``'s ``clone`` argument, applied per item inside the worker.
        select, on_missing, entrypoint: As in ``map()``.
        cache: The runner's cache backend (``None`` for none).
        record_events: Whether the client has event processors.
        durable: A durable map's :class:`~.durable.DurableJob` (items recorded as child
            runs), else ``None``.
        count: The number of items of the whole map (failure notes give indices in it).
    """

    graph: Any
    broadcast: dict[str, Any]
    names: tuple[str, ...]
    clone: bool | list[str]
    select: Any
    on_missing: str
    entrypoint: str | None
    cache: Any
    record_events: bool
    durable: Any = None
    count: int = 0


@dataclass(frozen=True)
class RunJob:
    """One ``run()``: the graph, its checked values and the run options.

    With a checkpointer, ``durable`` holds the run's durable options (``workflow_id``,
    ``checkpoint``, ``fork_from``, ...) and the worker's runner records the run.
    """

    graph: Any
    values: dict[str, Any]
    select: Any
    on_missing: str
    entrypoint: str | None
    max_iterations: int
    error_handling: str
    cache: Any
    record_events: bool
    checkpointer: Any = None
    durable: dict[str, Any] | None = None


class _EventRecorder(EventProcessor):
    """Keeps every event of a task, in emission order, to send them to the client."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_event(self, event: Any) -> None:
        self.events.append(event)


# --------------------------------------------------------------------------- tasks


def keep_bytes(blob: bytes) -> bytes:
    """Task body holding a map's pickled job in the cluster, for every chunk to depend on."""
    return blob


def run_one(job_blob: bytes) -> bytes:
    """Task body of ``DaskRunner.run``: returns ``dump_outcomes([result or exception], events)``."""
    job: RunJob = load_cloudpickle().loads(job_blob)
    recorder = _EventRecorder() if job.record_events else None
    options = {
        "select": job.select,
        "on_missing": job.on_missing,
        # The client already applied the policy (and warned once); do not repeat it here.
        "on_internal_override": "ignore",
        "entrypoint": job.entrypoint,
        "max_iterations": job.max_iterations,
        "error_handling": job.error_handling,
        "event_processors": [recorder] if recorder is not None else None,
        **(job.durable or {}),
    }
    outcome: RunResult | BaseException
    try:
        runner = _local_runner(job.graph, job.cache, job.checkpointer)
        host(runner, Hosting(refuse_pause=_pause_refused))
        result = runner.run(job.graph, job.values, **options)
        if asyncio.iscoroutine(result):  # AsyncRunner: an event loop owned by this task
            result = asyncio.run(result)
        outcome = result
    except Exception as exc:
        outcome = exc
    events = recorder.events if recorder is not None else []
    return dump_outcomes([outcome], events, job.graph, None)


def run_chunk(
    job_blob: bytes,
    token: str,
    columns_blob: bytes,
    parent_span_id: str | None,
    first_index: int = 0,
) -> bytes:
    """Task body of one ``DaskRunner.map`` chunk.

    Args:
        job_blob: The cloudpickled :class:`MapJob` (a Dask dependency shared by every chunk).
        token: Identifies the job, so each worker process unpickles it once.
        columns_blob: The chunk's mapped values, ``{name: [value per item]}``, pickled.
        parent_span_id: The client's map span; the item runs' events hang under it.
        first_index: The index of the chunk's first item in the whole map (for messages).

    Returns:
        ``dump_outcomes(results, events)``: one ``RunResult`` per item (failures as FAILED results)
        and the recorded events (empty without processors).
    """
    job: MapJob = _load_job(token, job_blob)
    columns: dict[str, list[Any]] = loads(columns_blob)
    recorder = _EventRecorder() if job.record_events else None
    graph = job.graph
    size = len(next(iter(columns.values()))) if columns else 0
    # Each item's index in the whole map: a durable chunk carries them (only unfinished items
    # travel), a plain chunk is a run of consecutive items.
    indices = list(columns[INDEX]) if INDEX in columns else range(first_index, first_index + size)
    hosting = Hosting(
        item_indices=indices,
        item_count=job.count or None,
        parent_span_id=parent_span_id,
        refuse_pause=_pause_refused,
    )
    if job.durable is not None:
        runner = host(_local_runner(graph, job.cache, job.durable.checkpointer), hosting)
        results = _run_recorded(runner, job, columns, recorder)
    else:
        runner = host(_local_runner(graph, job.cache), hosting)
        results = _run_plain(runner, job, columns, recorder)
    events = recorder.events if recorder is not None else []
    return dump_outcomes(results, events, graph, indices)


def _run_plain(
    runner: Any, job: MapJob, columns: dict[str, list[Any]], recorder: _EventRecorder | None
) -> list[RunResult]:
    """A chunk through the local runner's public ``map``."""
    graph = job.graph
    arguments = {
        "map_over": list(job.names),
        "map_mode": "zip",  # the client expanded zip/product into aligned columns
        "clone": job.clone,
        "select": job.select,
        "on_missing": job.on_missing,
        "on_internal_override": "ignore",  # checked (and warned about) once, on the client
        "entrypoint": job.entrypoint,
        "error_handling": "continue",  # every item's outcome; the client applies "raise"
        "event_processors": [recorder] if recorder is not None else None,
    }
    values = {**job.broadcast, **columns}
    results = runner.map(graph, values, **arguments)
    if asyncio.iscoroutine(results):  # AsyncRunner: an event loop owned by this task
        results = asyncio.run(results)
    return list(results)


def _run_recorded(
    runner: Any, job: MapJob, columns: dict[str, list[Any]], recorder: _EventRecorder | None
) -> list[RunResult]:
    """A durable chunk: each item recorded as its map's child run (see :mod:`.durable`)."""
    from hypergraph.runners.dask.durable import run_recorded_chunk
    from hypergraph.runners.loop.event_channel import open_events

    events = open_events([recorder] if recorder is not None else None)
    try:
        return run_recorded_chunk(runner, job, job.durable, columns, events)
    finally:
        if events is not None:
            events.shutdown()


# --------------------------------------------------------------------------- helpers


def _local_runner(graph: Any, cache: Any, checkpointer: Any = None) -> Any:
    """The local runner that executes inside the task (see :func:`needs_async_runner`)."""
    if needs_async_runner(graph):
        from hypergraph.runners.async_ import AsyncRunner

        return AsyncRunner(cache=cache, checkpointer=checkpointer)
    from hypergraph.runners.sync import SyncRunner

    return SyncRunner(cache=cache, checkpointer=checkpointer)


def needs_async_runner(graph: Any) -> bool:
    """Async nodes need AsyncRunner; so do interrupts in nested graphs.

    A nested interrupt that resolves itself (its handler returns a value) then simply runs, and
    one that asks for a human answer comes back as a pause, which the task reports as a
    DaskRunner error instead of SyncRunner's "needs AsyncRunner".
    """
    if graph.has_async_nodes:
        return True
    return any(getattr(node, "has_interrupts", False) for node in graph.nodes.values())


def _load_job(token: str, blob: bytes) -> Any:
    """The unpickled job for ``token``, unpickling ``blob`` once per worker process."""
    with _jobs_lock:
        job = _jobs.get(token)
        if job is not None:
            _jobs.move_to_end(token)
            return job
    job = load_cloudpickle().loads(blob)  # outside the lock: other jobs' chunks need not wait
    with _jobs_lock:
        _jobs[token] = job
        while len(_jobs) > _JOB_MEMO_SIZE:
            _jobs.popitem(last=False)
    return job


def _pause_refused(name: str) -> IncompatibleRunnerError:
    """The error of interrupt ``name`` (its node path) asking for an answer: tasks cannot pause."""
    return IncompatibleRunnerError(
        f"DaskRunner cannot pause for a human answer, but InterruptNode '{name}' asked for one. "
        "How to fix: supply the interrupt's output in the values so it never pauses, or run "
        "this graph with AsyncRunner.",
        node_name=name,
        capability="supports_interrupts",
    )
