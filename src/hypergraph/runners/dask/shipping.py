"""The client side of shipping work to Dask: pickling checks and chunk planning.

Used by :class:`~hypergraph.runners.dask.DaskRunner` before and while it submits tasks:

- :func:`pickle_job` pickles a job with cloudpickle (Dask's serializer for code) and, when that
  fails, finds the culprit — a node (nested graphs included), an input value or the cache — and
  raises a :class:`~hypergraph.exceptions.GraphConfigError` that names it and says how to fix it.
  This runs before anything is submitted, so an unshippable graph never half-runs.
- :func:`plan_chunks` cuts the lazily planned map items into chunks of aligned columns, pickled
  one chunk at a time, so the client never holds more than the chunks in flight.
- :class:`SharedJob` puts the pickled job in the cluster once per map, for every chunk to use,
  and sends it again if the cluster loses it.
- :func:`default_chunk_size` / :func:`default_in_flight` size chunks from the cluster's threads.

**Why GraphConfigError** for every pickling failure: like an un-copyable ``clone`` value
(docs/guides/map.md), it is a property of what the user handed over, known before any item runs, and
fixed by changing the graph or the values, not by retrying.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import islice
from typing import Any

from hypergraph.exceptions import GraphConfigError
from hypergraph.runners.dask.codec import dumps, load_cloudpickle
from hypergraph.runners.dask.worker import keep_bytes

__all__ = [
    "CHUNKS_PER_THREAD",
    "MAX_ASYNC_CHUNK_SIZE",
    "MAX_CHUNK_SIZE",
    "SharedJob",
    "default_chunk_size",
    "default_in_flight",
    "pickle_job",
    "plan_chunks",
]

# A few chunks per worker thread balance the load (a slow chunk does not idle the others) while
# keeping the scheduler's per-task cost (about a millisecond) negligible next to the work.
CHUNKS_PER_THREAD = 4
# Large maps of tiny items get many chunks of this size: results stream back steadily and a
# lost worker costs at most this many re-runs.
MAX_CHUNK_SIZE = 2_000
# AsyncRunner.map refuses more items than this without max_concurrency (docs/guides/map.md).
MAX_ASYNC_CHUNK_SIZE = 10_000
# Jobs (graph plus broadcast values) at least this large are scattered rather than submitted.
_SCATTER_FROM_BYTES = 4 * 1024 * 1024
# Chunks submitted but not yet collected, per worker thread.
IN_FLIGHT_PER_THREAD = 3

_HOW_TO_FIX_CODE = (
    "How to fix: define the function (and what it uses) in an importable module rather than "
    "in __main__ or a notebook, so it ships by reference; create locks, connections and open "
    "files inside the node body instead of capturing them; or bind() a picklable description "
    "(a path, a URL, settings) and build the object from it inside the node."
)


def default_chunk_size(count: int, threads: int) -> int:
    """Items per chunk for ``count`` items on ``threads`` worker threads."""
    per_chunk = math.ceil(count / (max(threads, 1) * CHUNKS_PER_THREAD))
    return max(1, min(per_chunk, MAX_CHUNK_SIZE))


def default_in_flight(threads: int) -> int:
    """How many chunks may be outstanding at once on ``threads`` worker threads."""
    return max(2, max(threads, 1) * IN_FLIGHT_PER_THREAD)


def pickle_job(job: Any, graph: Any, values: dict[str, Any], cache: Any) -> bytes:
    """``cloudpickle.dumps(job)``, or a ``GraphConfigError`` naming what cannot be pickled.

    Args:
        job: The job to ship (it holds ``graph``, ``values`` and ``cache``).
        graph: The job's graph, searched node by node when pickling fails.
        values: The input values shipped with the job (broadcast values for a map).
        cache: The runner's cache backend, shipped to the workers.
    """
    try:
        shipped: bytes = load_cloudpickle().dumps(job)
        return shipped
    except Exception as exc:
        culprit = _describe_culprit(graph, values, cache)
        if culprit is None:  # the parts pickle one by one; report the whole
            culprit = f"the job for graph {_label(graph)} ({_problem(exc)}). {_HOW_TO_FIX_CODE}"
        raise GraphConfigError(
            f"DaskRunner cannot send {culprit} Nothing was submitted to the cluster."
        ) from exc


def plan_chunks(
    items: Iterator[dict[str, Any]], names: tuple[str, ...], chunk_size: int
) -> Iterator[tuple[int, int, int, bytes]]:
    """Yield ``(chunk index, first item index, item count, pickled columns)`` lazily.

    ``items`` are the map's item dicts (mapped plus broadcast values, not cloned); a chunk keeps
    only the mapped values, as one list per name, which ``SyncRunner.map(map_mode="zip")`` in
    the worker turns back into the same items. A value that cannot be pickled raises a
    ``GraphConfigError`` naming the input and the item.
    """
    start = 0
    index = 0
    while True:
        batch = list(islice(items, chunk_size))
        if not batch:
            return
        columns = {name: [item[name] for item in batch] for name in names}
        try:
            blob = dumps(columns)
        except Exception as exc:
            raise _unpicklable_item(columns, start, exc) from exc
        yield index, start, len(batch), blob
        start += len(batch)
        index += 1


class SharedJob:
    """The pickled job of one map, held in the cluster for every chunk to depend on.

    Dask moves it to each worker once. A small job is the result of a task: the scheduler
    keeps the task, so the job is recomputed if every worker holding it is lost. A large one
    is scattered to every worker instead, so the scheduler does not hold (and warn about) a
    large task; when every worker holding it is lost, the scheduler forgets it and the chunks
    depending on it come back cancelled: :meth:`renew` then sends it again (the client keeps
    the bytes until the map ends), and the chunks are resubmitted. A renewed job is always a
    task: a cluster that lost it once may lose it again, and the scheduler recomputes a task's
    result by itself, where a scattered value is simply gone.
    """

    def __init__(self, client: Any, blob: bytes) -> None:
        self._client = client
        self._blob = blob
        self.future: Any = self._share()
        self.renewals = 0  # times sent again; a task submitted before a renewal used an old copy

    def _share(self, *, scatter: bool = True) -> Any:
        if not scatter or len(self._blob) < _SCATTER_FROM_BYTES:
            return self._client.submit(keep_bytes, self._blob, pure=False)
        return self._client.scatter(self._blob, broadcast=True, hash=False)

    def renew(self, seen: int) -> None:
        """Send the job again, unless it was renewed since renewal number ``seen``.

        A task that came back cancelled for want of the job it used passes the
        :attr:`renewals` count read when it was submitted: many such tasks renew the job once.
        """
        if self.renewals != seen:
            return
        self.future.release()
        self.future = self._share(scatter=False)
        self.renewals += 1

    def release(self) -> None:
        """Let the cluster forget the job (the map is over)."""
        self.future.release()


# --------------------------------------------------------------------------- diagnostics


def _describe_culprit(graph: Any, values: dict[str, Any], cache: Any) -> str | None:
    """A sentence naming the first node, value or cache that cannot be pickled, else None."""
    node_problem = _find_node(graph, prefix="")
    if node_problem is not None:
        path, exc = node_problem
        return (
            f"node '{path}' of graph {_label(graph)} to the Dask workers: it cannot be pickled "
            f"({_problem(exc)}). {_HOW_TO_FIX_CODE}"
        )
    bound = _bound_values(graph)
    for name, value in {**bound, **values}.items():
        problem = _pickle_problem(value)
        if problem is not None:
            origin = "bound value" if name in bound and name not in values else "input"
            return (
                f"{origin} '{name}' ({type(value).__name__}) to the Dask workers: it cannot be "
                f"pickled ({_problem(problem)}). How to fix: pass something the workers can rebuild "
                f"it from (a path, a URL, settings) and create the object inside the node that "
                "uses it."
            )
    if cache is not None:
        problem = _pickle_problem(cache)
        if problem is not None:
            return (
                f"the runner's cache ({type(cache).__name__}) to the Dask workers: it cannot be "
                f"pickled ({_problem(problem)}). How to fix: use DiskCache on a directory every "
                "worker can reach."
            )
    return None


def _find_node(graph: Any, prefix: str) -> tuple[str, BaseException] | None:
    """The "/"-joined path of the first node that cannot be pickled, with the error."""
    for name, node in graph.nodes.items():
        exc = _pickle_problem(node)
        if exc is None:
            continue
        inner = getattr(node, "graph", None)
        if inner is not None and hasattr(inner, "nodes"):
            deeper = _find_node(inner, prefix=f"{prefix}{name}/")
            if deeper is not None:
                return deeper
        return f"{prefix}{name}", exc
    return None


def _bound_values(graph: Any) -> dict[str, Any]:
    try:
        return dict(graph.inputs.bound)
    except Exception:  # diagnostics only: never hide the real error behind another one
        return {}


def _unpicklable_item(columns: dict[str, list[Any]], start: int, exc: Exception) -> Exception:
    for name, column in columns.items():
        for offset, value in enumerate(column):
            if _pickle_problem(value) is not None:
                return GraphConfigError(
                    f"DaskRunner cannot send item {start + offset} of mapped input '{name}' "
                    f"({type(value).__name__}) to the Dask workers: it cannot be pickled "
                    f"({_problem(exc)}). How to fix: map over picklable values (paths, ids, "
                    "plain data) and create the object inside the node that uses it."
                )
    return GraphConfigError(
        f"DaskRunner cannot send map items {start}.. to the Dask workers: {_problem(exc)}."
    )


def _pickle_problem(value: Any) -> BaseException | None:
    try:
        load_cloudpickle().dumps(value)
    except Exception as exc:
        return exc
    return None


def _problem(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _label(graph: Any) -> str:
    name = getattr(graph, "name", None)
    return repr(name) if name else "(unnamed)"
