"""``AsyncRunner``: runs each superstep's nodes concurrently on an asyncio loop
(docs/guides/async.md).

Like :class:`~hypergraph.runners.sync.SyncRunner` it is a thin driver over
:func:`~hypergraph.runners.loop.steps.run_steps`; only the execution of a superstep's calls
differs. Coroutine functions are awaited, async generators drained into lists, nested graphs run
by this driver (runners/async_driver.py), ``map_over`` fan-outs and ``map`` items run concurrently, and
interrupts may pause the run (docs/guides/interrupts.md).

**Sync nodes run on the loop thread.** A synchronous node body is called directly, so while it
runs nothing else on the loop makes progress: a blocking call (``time.sleep``, a blocking HTTP
client, heavy CPU work) stalls every concurrent node. Prefer async libraries in async
workflows, or construct ``AsyncRunner(sync_nodes_in_threads=True)`` to run sync node bodies in
worker threads (``asyncio.to_thread``); those bodies must then be thread-safe.

**max_concurrency** caps how many node bodies execute at once across the whole run, nested
graphs and map items included: the outermost ``run``/``map`` creates one limiter and everything
below inherits it through a context variable. It is held only around leaf calls, never while a
nested graph is awaited, so nesting cannot deadlock. A separate ``run``/``map`` that a node body
starts itself (an agent's tool running a sub-graph) is a new top-level run: it does not inherit
the caller's limit (whose slot the caller holds) and is unlimited unless it passes its own
``max_concurrency``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal

from hypergraph.cache import CacheBackend
from hypergraph.checkpointers.base import Checkpointer
from hypergraph.checkpointers.records import Checkpoint
from hypergraph.events.processor import EventProcessor
from hypergraph.graph import Graph
from hypergraph.nodes import HyperNode
from hypergraph.runners.async_driver import AsyncDriver
from hypergraph.runners.base import BaseRunner, check_checkpointer
from hypergraph.runners.checks.arguments import ALL_OUTPUTS_DEFAULT, RUN_RESERVED, prepare_run
from hypergraph.runners.checks.resume_keys import (
    add_resume_hint,
    report_resume_problems,
    take_resume_values,
)
from hypergraph.runners.concurrency import (
    CURRENT_LIMITER,
    check_max_concurrency,
    concurrency_limit,
    outside_limits,
    run_pool,
)
from hypergraph.runners.hosting import hosted_context
from hypergraph.runners.item_runs import ItemRuns
from hypergraph.runners.loop.event_channel import open_events
from hypergraph.runners.loop.steps import run_steps
from hypergraph.runners.map_plan import ItemOptions, MapPlan, failed_item_result, plan_map
from hypergraph.runners.result import ErrorHandling, RunnerCapabilities, RunResult

if TYPE_CHECKING:  # loaded only when a checkpointer is used
    from hypergraph.runners.durable import DurableMap, DurableOptions

__all__ = ["AsyncRunner"]

_CAPABILITIES = RunnerCapabilities(
    supports_cycles=True,
    supports_async_nodes=True,
    supports_streaming=False,
    returns_coroutine=True,
    supports_interrupts=True,
)

# Without max_concurrency AsyncRunner.map refuses more items than this ("Too many map tasks",
# docs/guides/map.md).
_MAX_UNLIMITED_MAP_ITEMS = 10_000


class AsyncRunner(AsyncDriver, BaseRunner):
    """Asynchronous runner: independent nodes of a superstep run concurrently.

    Args:
        cache: Optional cache backend for node result caching; nodes opt in with ``cache=True``.
        checkpointer: Optional :class:`~hypergraph.checkpointers.Checkpointer`: runs are
            stored step by step under a ``workflow_id`` and resume where they stopped, paused
            ones from a new process with only the answer (docs/guides/durable.md).
        sync_nodes_in_threads: Run the bodies of synchronous nodes (functions, generators and
            sync interrupt handlers) in worker threads via ``asyncio.to_thread`` instead of on
            the event loop thread. Off by default: a sync body then blocks the loop while it
            runs (see the module docs). Gates always run on the loop (they must be quick).
            A thread cannot be interrupted: cancelling the run stops waiting for a body that
            is already running in a thread, but that body finishes in the background.

    Examples:
        >>> import asyncio
        >>> from hypergraph import AsyncRunner, Graph, node
        >>> @node(output_name="doubled")
        ... async def double(x: int) -> int:
        ...     return x * 2
        >>> asyncio.run(AsyncRunner().run(Graph([double]), x=5))["doubled"]
        10
    """

    def __init__(
        self,
        cache: CacheBackend | None = None,
        checkpointer: Checkpointer | None = None,
        *,
        sync_nodes_in_threads: bool = False,
    ) -> None:
        self.cache = cache
        self.checkpointer = check_checkpointer(checkpointer)
        self.sync_nodes_in_threads = bool(sync_nodes_in_threads)

    @property
    def capabilities(self) -> RunnerCapabilities:
        """Cycles, async nodes, coroutines and interrupts yes; streaming no."""
        return _CAPABILITIES

    @property
    def supported_node_types(self) -> set[type[HyperNode]]:
        """``{FunctionNode, GraphNode, IfElseNode, RouteNode, InterruptNode}``."""
        from hypergraph.nodes import FunctionNode, GraphNode, IfElseNode, InterruptNode, RouteNode

        return {FunctionNode, GraphNode, IfElseNode, RouteNode, InterruptNode}

    # run and map are the awaitable twins of BaseRunner's signatures; Python typing has no way
    # to say "this method or its coroutine", hence the narrow ignores.
    async def run(  # type: ignore[override]
        self,
        graph: Graph,
        values: dict[str, Any] | None = None,
        *,
        select: str | list[str] = ALL_OUTPUTS_DEFAULT,
        on_missing: Literal["ignore", "warn", "error"] = "ignore",
        on_internal_override: Literal["ignore", "warn", "error"] = "warn",
        entrypoint: str | None = None,
        max_iterations: int | None = None,
        max_concurrency: int | None = None,
        error_handling: ErrorHandling = "raise",
        event_processors: list[EventProcessor] | None = None,
        workflow_id: str | None = None,
        checkpoint: Checkpoint | None = None,
        fork_from: str | None = None,
        retry_from: str | None = None,
        override_workflow: bool = False,
        **input_values: Any,
    ) -> RunResult:
        """Execute ``graph`` once and return its :class:`RunResult` (await it).

        Args:
            graph: The graph to execute.
            values: Input values (merged with ``**input_values``; a key in both is an error).
                To resume a paused run, supply the original inputs plus
                ``{result.pause.response_key: answer}``.
            select: Outputs to return; omitted → the graph's ``select()``, ``"**"`` → all.
            on_missing: What to do when a selected output was not produced.
            on_internal_override: What to do when a supplied value is produced inside the graph
                or read by no node (including a resume key that matches no interrupt).
            entrypoint: Which cycle entry point the supplied values are meant for (validation).
            max_iterations: Superstep cap for graphs with cycles (``None`` → 1000).
            max_concurrency: Most node bodies running at once, across nested graphs too
                (``None`` → unlimited, ``1`` → one at a time). A run that a node body starts
                itself does not share it: it has its own ``max_concurrency``.
            error_handling: ``"raise"`` re-raises a node's exception; ``"continue"`` returns a
                FAILED result holding the error and the outputs produced before it. A pause is
                always returned (``status == "paused"``), never raised.
            event_processors: Processors receiving execution events.
            workflow_id: With a checkpointer: the workflow to record this run as, or to resume
                when it exists (``None`` → a new ``"run-..."`` id, on ``result.workflow_id``).
                A paused workflow resumes from a new process with only the answer:
                ``run(graph, {pause.response_key: answer}, workflow_id=...)``.
            checkpoint: A :class:`~hypergraph.checkpointers.Checkpoint` to start a new
                workflow from (a fork).
            fork_from: A stored workflow id to start a new workflow from (its latest state);
                the values passed override its inputs.
            retry_from: A failed workflow id to re-run from its last good step, as a new
                workflow.
            override_workflow: Discard the stored workflow ``workflow_id`` and start over.
            **input_values: Input values as keyword arguments.
        """
        limit = check_max_concurrency(max_concurrency)
        events = open_events(event_processors, deferred=True)  # None: no events built
        try:
            own_values, routing, problems = take_resume_values(graph, values, input_values)
            durable = self._durable_options(
                (select, on_missing, on_internal_override, entrypoint, error_handling),
                workflow_id, checkpoint, fork_from, retry_from, override_workflow,
            )  # fmt: skip
            if durable is not None:
                return await self._run_durable(
                    graph, own_values, input_values, durable, (routing, problems),
                    max_iterations, limit, events,
                )  # fmt: skip
            try:
                prepared = prepare_run(
                    graph,
                    own_values,
                    input_values,
                    runner=self,
                    select=select,
                    on_missing=on_missing,
                    on_internal_override=on_internal_override,
                    entrypoint=entrypoint,
                    error_handling=error_handling,
                    reserved=RUN_RESERVED,
                )
            except ValueError as exc:
                add_resume_hint(exc, graph, own_values, input_values)
                raise
            report_resume_problems(problems, on_internal_override)
            cap = self._iteration_cap(max_iterations)
            ctx = hosted_context(self, events)
            ctx.resume = routing
            with concurrency_limit(limit):
                return await self._drive(run_steps(graph, prepared, ctx, cap))
        finally:
            if events is not None:  # once per top-level run, on success or failure
                await events.shutdown_async()

    arun = run

    async def _run_durable(
        self,
        graph: Graph,
        values: dict[str, Any],
        input_values: dict[str, Any],
        durable_options: DurableOptions,
        resume: tuple[Any, list[str]],
        max_iterations: int | None,
        limit: int | None,
        events: Any,
    ) -> RunResult:
        """``run`` with a checkpointer: start or resume the workflow, record every superstep."""
        from hypergraph.runners.durable import start_durable_run

        routing, problems = resume
        try:
            durable, prepared = start_durable_run(
                self, graph, values, input_values, durable_options
            )
        except ValueError as exc:
            add_resume_hint(exc, graph, values, input_values)
            raise
        result = None
        try:
            report_resume_problems(problems, durable_options.options.on_internal_override)
            cap = self._iteration_cap(max_iterations)
            ctx = hosted_context(self, events)
            ctx.resume = routing
            ctx.recorder = durable.recorder
            with concurrency_limit(limit):
                result = await self._drive(run_steps(graph, prepared, ctx, cap))
            return result
        finally:
            await asyncio.to_thread(durable.close, result)

    async def map(  # type: ignore[override]
        self,
        graph: Graph,
        values: dict[str, Any] | None = None,
        *,
        map_over: str | list[str],
        map_mode: Literal["zip", "product"] = "zip",
        clone: bool | list[str] = False,
        select: str | list[str] = ALL_OUTPUTS_DEFAULT,
        on_missing: Literal["ignore", "warn", "error"] = "ignore",
        on_internal_override: Literal["ignore", "warn", "error"] = "warn",
        entrypoint: str | None = None,
        max_concurrency: int | None = None,
        error_handling: ErrorHandling = "raise",
        event_processors: list[EventProcessor] | None = None,
        workflow_id: str | None = None,
        **input_values: Any,
    ) -> list[RunResult]:
        """Execute ``graph`` once per item of the ``map_over`` inputs (see docs/guides/map.md).

        Items run concurrently, each as a full run (own ``run_id`` and input validation, same
        ``select``, ``on_missing``, ``on_internal_override`` and ``entrypoint``); results keep
        input order. With ``max_concurrency`` a fixed pool of that many workers pulls items
        from a lazy iterator, and the same limit caps node bodies inside the items. Without it
        at most 10,000 items are accepted (use ``max_concurrency`` for more).

        ``error_handling="raise"`` raises the first failure in input order once the started
        items finish (workers take no new item after a failure); ``"continue"`` returns every
        result, failures (including per-item validation errors) as FAILED results.

        With a checkpointer, ``workflow_id`` names the map's workflow and item ``i`` is recorded
        as the child run ``"<workflow_id>/<i>"``: running the map again with the same id
        restores finished items (``result.restored``) and runs only the rest.
        """
        limit = check_max_concurrency(max_concurrency)
        events = open_events(event_processors, deferred=True)  # None: no events built
        try:
            options = ItemOptions(
                select, on_missing, on_internal_override, entrypoint, error_handling
            )
            plan = plan_map(
                graph, values, input_values, runner=self, map_over=map_over, map_mode=map_mode,
                clone=clone, options=options, defer_item_errors=error_handling == "continue",
            )  # fmt: skip
            if plan.count == 0:
                return []
            if limit is None and plan.count > _MAX_UNLIMITED_MAP_ITEMS:
                raise ValueError(
                    f"Too many map tasks: {plan.count:,} items without max_concurrency would "
                    f"all run at once (at most {_MAX_UNLIMITED_MAP_ITEMS:,} allowed). How to "
                    "fix: pass max_concurrency=<n> (e.g. 100) to run them through a bounded "
                    "pool of workers."
                )
            durable = self._durable_map(plan, values, input_values, workflow_id)
            if durable is None:
                with concurrency_limit(limit):
                    return await self._run_items(plan, events, limit)
            results = None
            try:
                with concurrency_limit(limit):
                    results = await self._run_items(plan, events, limit, durable)
                return results
            finally:
                await asyncio.to_thread(durable.close, results)
        finally:
            if events is not None:  # once per top-level map, on success or failure
                await events.shutdown_async()

    amap = map

    async def _run_items(
        self, plan: MapPlan, events: Any, limit: int | None, durable: DurableMap | None = None
    ) -> list[RunResult]:
        """Run the items of a checked map through a worker pool; results in input order."""
        graph, count = plan.graph, plan.count
        keep_going = plan.options.error_handling == "continue"
        if plan.item_error is not None:  # every item fails its run-start checks ("continue")
            return [failed_item_result(plan.item_error) for _ in range(count)]
        runs = ItemRuns(self, plan, events, durable)  # opens the map span
        cap, prepared_for = self.default_max_iterations, plan.prepared_for
        start, failed = runs.start, runs.failed
        # Sync calls run in place, a superstep's all before failures are looked at: an
        # unobserved map whose every superstep is one plain function node runs its items
        # compiled, as SyncRunner does (runners/item_runs.py). They never wait, so the
        # limiter's slots change nothing; the bodies run outside it, as _call_body runs them.
        fast = None if self.sync_nodes_in_threads else runs.compiled(plan, serial_only=True)
        limited = CURRENT_LIMITER.get() is not None

        async def run_item(indexed: tuple[int, dict[str, Any]]) -> RunResult:
            index, item = indexed
            if fast is not None:
                if limited:
                    with outside_limits():
                        done = fast(index, item)
                else:
                    done = fast(index, item)
                if done is not None:
                    return done
            ctx = start(index, item)
            if isinstance(ctx, RunResult):  # a durable map's item that finished before
                return ctx
            try:
                result = await self._drive(run_steps(graph, prepared_for(item), ctx, cap))
            except Exception as exc:
                failed(exc, index, item)
                raise
            if result.error is not None:  # "continue": a FAILED item
                failed(result.error, index, item)
            return result

        workers = limit if limit is not None else count
        try:
            results, failures = await run_pool(
                enumerate(plan.items), count, run_item, workers, not keep_going
            )
            if failures and not keep_going:
                raise failures[min(failures)]  # the first failure in input order
        except BaseException as exc:
            runs.end(exc)
            raise
        runs.end()
        for index, error in failures.items():  # "continue": a run that raised anyway
            results[index] = failed_item_result(error)
        return results  # type: ignore[return-value]
