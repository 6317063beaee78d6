"""``DaskRunner``: the same ``run`` and ``map`` as SyncRunner, executed on a Dask cluster.

Everything that can be decided on the client is decided there, exactly as SyncRunner decides it:
argument normalisation, runner compatibility, ``select``, input validation, map planning (zip
lengths, unknown ``map_over`` names, clone copyability...). Only then is the work pickled (a
failure names the node or the input, :mod:`.shipping`) and submitted. Inside a worker the
public ``SyncRunner`` (or ``AsyncRunner``, for graphs with async nodes) does the running
(:mod:`.worker`), so results, errors, caching and events are those of the local runners.

A ``map`` ships the graph and the broadcast values once, as one Dask dependency every chunk
shares, then streams chunks of items through the cluster with a bounded number in flight
(:mod:`.stream`). Results come back in input order; event processors on the client receive
the map's start and end plus every item's events, replayed in item order as chunks finish.

This module imports ``distributed`` only when a runner is constructed; ``import hypergraph``
never imports Dask.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import uuid
import weakref
from itertools import chain
from typing import TYPE_CHECKING, Any, Literal

from hypergraph.runners.base import BaseRunner, check_checkpointer
from hypergraph.runners.checks.arguments import (
    ALL_OUTPUTS_DEFAULT,
    MAP_RESERVED,
    RUN_RESERVED,
    _normalise,
    prepare_run,
)
from hypergraph.runners.dask.codec import load_outcomes
from hypergraph.runners.dask.durable import (
    INDEX,
    DurableJob,
    check_shared_checkpointer,
    completed_indices,
    pending_items,
)
from hypergraph.runners.dask.main_guard import check_main_guard
from hypergraph.runners.dask.shipping import (
    MAX_ASYNC_CHUNK_SIZE,
    SharedJob,
    default_chunk_size,
    default_in_flight,
    pickle_job,
    plan_chunks,
)
from hypergraph.runners.dask.stream import collect_chunks, replay_events
from hypergraph.runners.dask.worker import MapJob, RunJob, needs_async_runner, run_chunk, run_one
from hypergraph.runners.loop.event_channel import open_events
from hypergraph.runners.loop.map_events import MapSpan, end_map, start_map
from hypergraph.runners.map_plan import ItemOptions, plan_items, plan_map
from hypergraph.runners.result import ErrorHandling, RunnerCapabilities, RunResult, new_run_id

if TYPE_CHECKING:  # loaded only when a checkpointer is used
    from hypergraph.runners.durable import DurableMap

__all__ = ["DaskRunner"]

_CAPABILITIES = RunnerCapabilities(
    supports_cycles=True,
    supports_async_nodes=True,
    supports_streaming=False,
    returns_coroutine=False,
    supports_interrupts=False,
)

_INSTALL_HINT = "pip install 'hypergraph[dask]'"


def _require_distributed() -> Any:
    """The ``distributed`` module, or an ``ImportError`` that says how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            f"DaskRunner needs the 'distributed' package (Dask), which is not installed. "
            f"How to fix: {_INSTALL_HINT}"
        ) from exc
    return distributed


class DaskRunner(BaseRunner):
    """Runs graphs on a Dask cluster: ``run`` and ``map`` with SyncRunner's signatures.

    Without ``client`` or ``address`` the runner starts its own ``distributed.LocalCluster`` on
    first use, sized to this machine, and shuts it down on :meth:`close` (or when used as a
    context manager, or when the runner is garbage collected). With ``client`` or ``address`` it
    uses that cluster and never shuts it down.

    Graphs, broadcast values and mapped values must be picklable (cloudpickle), and hypergraph
    plus the modules defining your nodes must be importable on the workers. What cannot be
    pickled raises ``GraphConfigError`` naming the node or input before anything is submitted.
    Each worker gets its own copy of the broadcast values (``clone=False`` shares one copy
    between the items a worker runs, not across workers). Async nodes run inside the workers on
    an event loop per task (via AsyncRunner); interrupts are not supported. Warnings raised
    while items run (e.g. ``on_missing="warn"``) are issued in the worker processes; run-start
    warnings are issued on the client, once per call.

    Args:
        client: An existing ``distributed.Client`` to submit to.
        address: Scheduler address (``"tcp://host:8786"``) to connect to.
        cache: Cache backend shipped to the workers; use one every worker can reach, such as
            ``DiskCache`` on a shared path (an ``InMemoryCache`` is copied into each task).
        checkpointer: A checkpointer every worker reaches (``PostgresCheckpointer``, or
            ``SqliteCheckpointer`` on a shared path): ``run`` and ``map`` take a
            ``workflow_id`` and resume where they stopped; a map's workers record each finished
            item directly (see :mod:`hypergraph.runners.dask.durable`).
        chunk_size: Items per task in ``map`` (``None``: a few chunks per worker thread, at
            most 2,000 items each).
        max_chunks_in_flight: Most chunks submitted and not yet collected (``None``: three per
            worker thread).
        n_workers: Embedded cluster only: number of workers (``None``: one per CPU with
            processes, one without).
        threads_per_worker: Embedded cluster only (``None``: 1 with processes, one per CPU
            without).
        processes: Embedded cluster only: workers in separate processes (``True``) or threads.
        cluster_options: Embedded cluster only: more ``LocalCluster`` keyword arguments.

    Examples:
        >>> from hypergraph import DaskRunner, Graph, node
        >>> @node(output_name="doubled")
        ... def double(x: int) -> int:
        ...     return x * 2
        >>> with DaskRunner(n_workers=2) as runner:  # doctest: +SKIP
        ...     results = runner.map(Graph([double]), {"x": [1, 2, 3]}, map_over="x")
        ...     [r["doubled"] for r in results]
        [2, 4, 6]
    """

    def __init__(
        self,
        *,
        client: Any = None,
        address: str | None = None,
        cache: Any = None,
        checkpointer: Any = None,
        chunk_size: int | None = None,
        max_chunks_in_flight: int | None = None,
        n_workers: int | None = None,
        threads_per_worker: int | None = None,
        processes: bool = True,
        cluster_options: dict[str, Any] | None = None,
    ) -> None:
        _require_distributed()
        if client is not None and address is not None:
            raise ValueError(
                "DaskRunner got both client= and address=. How to fix: pass the client you "
                "already have, or the scheduler address to connect to, not both."
            )
        if client is not None and getattr(client, "asynchronous", False):
            raise ValueError(
                "DaskRunner needs a synchronous distributed.Client (its run and map block until "
                "done); got an asynchronous one. How to fix: create it with Client(...)."
            )
        self.cache = cache
        self.checkpointer = check_shared_checkpointer(check_checkpointer(checkpointer))
        self.chunk_size = _positive_or_none("chunk_size", chunk_size)
        self.max_chunks_in_flight = _positive_or_none("max_chunks_in_flight", max_chunks_in_flight)
        self._address = address
        self._client = client
        self._owns_cluster = client is None and address is None
        self._cluster_options = {
            "n_workers": _positive_or_none("n_workers", n_workers),
            "threads_per_worker": _positive_or_none("threads_per_worker", threads_per_worker),
            "processes": bool(processes),
            **(cluster_options or {}),
        }
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize[..., Any] | None = None
        self._closed = False

    # ------------------------------------------------------------------ cluster lifecycle
    @property
    def client(self) -> Any:
        """The ``distributed.Client`` in use (the embedded cluster starts on first access)."""
        with self._lock:
            if self._closed:
                raise RuntimeError(
                    "This DaskRunner is closed. How to fix: create a new DaskRunner (or keep "
                    "the runner open until every run and map has finished)."
                )
            if self._client is None:
                self._client = self._connect()
            return self._client

    def _connect(self) -> Any:
        from distributed import Client, LocalCluster

        if self._address is not None:
            client = Client(self._address, set_as_default=False)
            self._finalizer = weakref.finalize(self, _shutdown, client, None)
            return client
        options = _local_cluster_options(self._cluster_options)
        check_main_guard(bool(options["processes"]))  # before any worker process starts
        cluster = LocalCluster(**options)
        try:
            client = Client(cluster, set_as_default=False)
        except BaseException:
            cluster.close()
            raise
        self._finalizer = weakref.finalize(self, _shutdown, client, cluster)
        return client

    def close(self) -> None:
        """Release the runner: shut the embedded cluster down (a given client is left open).

        With ``address=`` the runner's own connection is closed; the cluster keeps running.
        Safe to call more than once.
        """
        with self._lock:
            self._closed = True
            finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None:
            finalizer()

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._closed:
            where = "closed"
        elif self._owns_cluster:
            where = "embedded LocalCluster" + ("" if self._client is not None else " (not started)")
        elif self._address is not None:
            where = f"address={self._address!r}"
        else:
            where = f"client={self._client!r}"
        return f"DaskRunner({where})"

    # ------------------------------------------------------------------ capabilities
    @property
    def capabilities(self) -> RunnerCapabilities:
        """Cycles and async nodes yes; streaming, coroutines and interrupts no."""
        return _CAPABILITIES

    @property
    def supported_node_types(self) -> set[type]:
        """``{FunctionNode, GraphNode, IfElseNode, RouteNode}``."""
        from hypergraph.nodes import FunctionNode, GraphNode, IfElseNode, RouteNode

        return {FunctionNode, GraphNode, IfElseNode, RouteNode}

    # ------------------------------------------------------------------ run
    def run(
        self,
        graph: Any,
        values: dict[str, Any] | None = None,
        *,
        select: str | list[str] = ALL_OUTPUTS_DEFAULT,
        on_missing: Literal["ignore", "warn", "error"] = "ignore",
        on_internal_override: Literal["ignore", "warn", "error"] = "warn",
        entrypoint: str | None = None,
        max_iterations: int | None = None,
        error_handling: ErrorHandling = "raise",
        event_processors: list[Any] | None = None,
        workflow_id: str | None = None,
        checkpoint: Any = None,
        fork_from: str | None = None,
        retry_from: str | None = None,
        override_workflow: bool = False,
        **input_values: Any,
    ) -> RunResult:
        """Execute ``graph`` once, as one task on the cluster; see :meth:`SyncRunner.run`.

        Inputs are checked on the client first (the same errors as SyncRunner); the run's
        events are recorded in the worker and delivered to ``event_processors`` here. With a
        checkpointer the worker records the run under ``workflow_id`` (generated when
        ``None``, on ``result.workflow_id``) and a workflow that exists resumes. The durable
        options (``checkpoint``, ``fork_from``, ``retry_from``, ``override_workflow``) are those
        of :meth:`SyncRunner.run`; without a checkpointer they raise ``ValueError`` before
        anything is shipped.
        """
        events = open_events(event_processors)
        try:
            options = self._durable_options(
                (select, on_missing, on_internal_override, entrypoint, error_handling),
                workflow_id, checkpoint, fork_from, retry_from, override_workflow,
            )  # fmt: skip
            durable: dict[str, Any] | None = None
            if options is not None:
                from hypergraph.runners.durable import check_durable_options

                # Checked here, before anything is shipped (the worker's runner checks again).
                check_durable_options(
                    self.checkpointer, workflow_id, checkpoint, fork_from, retry_from,
                    override_workflow,
                )  # fmt: skip
                durable = {
                    "workflow_id": workflow_id or new_run_id(), "checkpoint": checkpoint,
                    "fork_from": fork_from, "retry_from": retry_from,
                    "override_workflow": override_workflow,
                }  # fmt: skip
                # A resume needs no inputs: the worker's runner checks them against the store.
                run_values = _normalise(values, input_values, RUN_RESERVED)
            else:
                run_values = prepare_run(
                    graph, values, input_values, runner=self, select=select,
                    on_missing=on_missing, on_internal_override=on_internal_override,
                    entrypoint=entrypoint, error_handling=error_handling, reserved=RUN_RESERVED,
                ).values  # fmt: skip
            job = RunJob(
                graph, run_values, select, on_missing, entrypoint,
                self._iteration_cap(max_iterations), error_handling, self.cache,
                events is not None, self.checkpointer, durable,
            )  # fmt: skip
            blob = pickle_job(job, graph, run_values, self.cache)
            future = self.client.submit(run_one, blob, pure=False)
            try:
                data = future.result()
            finally:
                future.cancel()  # releases a finished task; stops a running one on Ctrl-C
            outcomes, recorded = load_outcomes(data)
            replay_events(events, recorded)
            outcome: RunResult | BaseException = outcomes[0]
            if isinstance(outcome, BaseException):
                raise outcome
            if error_handling == "raise" and outcome.error is not None:
                raise outcome.error  # e.g. an output that could not be sent back, as map does
            return outcome
        finally:
            if events is not None:
                events.shutdown()

    # ------------------------------------------------------------------ map
    def map(
        self,
        graph: Any,
        values: dict[str, Any] | None = None,
        *,
        map_over: str | list[str],
        map_mode: Literal["zip", "product"] = "zip",
        clone: bool | list[str] = False,
        select: str | list[str] = ALL_OUTPUTS_DEFAULT,
        on_missing: Literal["ignore", "warn", "error"] = "ignore",
        on_internal_override: Literal["ignore", "warn", "error"] = "warn",
        entrypoint: str | None = None,
        error_handling: ErrorHandling = "raise",
        event_processors: list[Any] | None = None,
        workflow_id: str | None = None,
        **input_values: Any,
    ) -> list[RunResult]:
        """Execute ``graph`` once per item on the cluster; see :meth:`SyncRunner.map`.

        Returns one :class:`RunResult` per item, in input order (``[]`` for zero items).
        Items run in chunks, in parallel: with ``error_handling="raise"`` the failure raised is
        the first in input order (later chunks are cancelled, but items running alongside it
        may already have run); ``"continue"`` returns every result, failures as FAILED.

        With a checkpointer, item ``i`` is recorded as the child run ``"<workflow_id>/<i>"``
        by the worker that runs it; running the map again with the same ``workflow_id``
        (after a killed worker or client) restores finished items (``result.restored``) and
        runs only the rest.
        """
        events = open_events(event_processors)
        try:
            options = ItemOptions(
                select, on_missing, on_internal_override, entrypoint, error_handling
            )
            plan = plan_map(
                graph, values, input_values, runner=self, map_over=map_over, map_mode=map_mode,
                clone=clone, options=options,
            )  # fmt: skip
            if plan.count == 0:
                return []
            merged = _normalise(values, input_values, MAP_RESERVED)  # checked by plan_map
            names = (map_over,) if isinstance(map_over, str) else tuple(map_over)
            broadcast = {k: v for k, v in merged.items() if k not in names}
            job = MapJob(
                graph, broadcast, names, clone, select, on_missing, entrypoint, self.cache,
                events is not None, count=plan.count,
            )  # fmt: skip
            blob = pickle_job(job, graph, broadcast, self.cache)
            # The items again, mapped values only: broadcast values travel once, in the job,
            # and clone copies are made per item in the workers.
            count, items = plan_items({n: merged[n] for n in names}, list(names), map_mode, False)
            durable = self._durable_map(plan, values, input_values, workflow_id)
            if durable is None:
                return self._map_chunks(graph, blob, items, names, count, error_handling, events)
            return self._map_durable(plan, durable, job, items, count, events)
        finally:
            if events is not None:
                events.shutdown()

    def _map_durable(
        self,
        plan: Any,
        durable: DurableMap,
        job: MapJob,
        items: Any,
        count: int,
        events: Any,
    ) -> list[RunResult]:
        """``map`` with a checkpointer, its workflow open: restore finished items here, ship
        the rest, and close the workflow (which releases its lease)."""
        results: list[RunResult] | None = None
        try:
            job = dataclasses.replace(
                job, durable=DurableJob(self.checkpointer, durable.sink.lease, durable.run)
            )
            blob = pickle_job(job, plan.graph, job.broadcast, self.cache)
            done = completed_indices(durable, count)
            todo = [index for index in range(count) if index not in done]
            restored: dict[int, RunResult] = {}
            # One map span for every item, restored ones included: progress totals count them.
            span = start_map(events, plan.graph, count)
            pending = pending_items(durable, items, restored, self, events, span)
            try:
                ran = (
                    self._map_chunks(
                        plan.graph,
                        blob,
                        pending,
                        (*job.names, INDEX),
                        len(todo),
                        plan.options.error_handling,
                        events,
                        span,
                    )  # fmt: skip
                    if todo
                    else [None for _ in pending]  # every item finished before: restore them all
                )
            except BaseException as exc:
                end_map(span, exc)
                raise
            end_map(span)
            merged: list[Any] = [None] * count
            for index, done_result in restored.items():
                merged[index] = done_result
            for index, ran_result in zip(todo, ran):
                merged[index] = ran_result
            results = merged
            return results
        finally:
            durable.close(results)

    def _map_chunks(
        self,
        graph: Any,
        blob: bytes,
        items: Any,
        names: tuple[str, ...],
        count: int,
        error_handling: str,
        events: Any,
        span: MapSpan | None = None,
    ) -> list[RunResult]:
        """Submit the planned items in chunks and collect their results (map's second half).

        The items hang under ``span`` when given (its owner ends it), else under a map span
        started and ended here.
        """
        client = self.client
        threads = sum(client.nthreads().values())
        chunk_size = self.chunk_size or default_chunk_size(count, threads)
        if needs_async_runner(graph):  # each chunk is one AsyncRunner.map in the worker
            chunk_size = min(chunk_size, MAX_ASYNC_CHUNK_SIZE)
        in_flight = self.max_chunks_in_flight or default_in_flight(threads)
        chunks = plan_chunks(items, names, chunk_size)
        first = next(chunks)  # an unpicklable first item fails before the map starts
        own_span = span is None
        if own_span:
            span = start_map(events, graph, count)
        span_id = span.span_id if span is not None else None
        job = SharedJob(client, blob)
        token = uuid.uuid4().hex

        def submit(first_index: int, columns: bytes) -> Any:
            return client.submit(
                run_chunk, job.future, token, columns, span_id, first_index, pure=False
            )

        try:
            results = collect_chunks(
                client, submit, chain([first], chunks), count, max_in_flight=in_flight,
                keep_going=error_handling == "continue", events=events, job=job,
            )  # fmt: skip
        except BaseException as exc:
            if own_span:
                end_map(span, exc)
            raise
        finally:
            job.release()
        if own_span:
            end_map(span)
        return results


# --------------------------------------------------------------------------- helpers


def _positive_or_none(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"DaskRunner {name} must be a positive int or None, got {value!r}.")
    return value


def _local_cluster_options(options: dict[str, Any]) -> dict[str, Any]:
    """``LocalCluster`` arguments sized to this machine where the user left them open."""
    cpus = os.cpu_count() or 1
    chosen = dict(options)
    processes = chosen["processes"]
    if chosen["n_workers"] is None:
        chosen["n_workers"] = cpus if processes else 1
    if chosen["threads_per_worker"] is None:
        chosen["threads_per_worker"] = 1 if processes else cpus
    # Dask always serves its HTTP endpoints; a free port avoids "port 8787 in use" warnings.
    chosen.setdefault("dashboard_address", ":0")
    return chosen


def _shutdown(client: Any, cluster: Any) -> None:
    """Close the runner's own client and embedded cluster (finalizer: never raises)."""
    with contextlib.suppress(Exception):
        client.close()
    if cluster is not None:
        with contextlib.suppress(Exception):
            cluster.close()
