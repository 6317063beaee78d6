"""``SyncRunner``: runs a graph in the calling thread, one node at a time (docs/guides/running.md).

It is a thin driver over :func:`~hypergraph.runners.loop.steps.run_steps`: each superstep's calls
are executed inline, in graph node order, stopping at the first failing node. A nested graph's
inner run is answered by the same loop, the outer run waiting on a stack meanwhile, so nesting
depth is not bounded by Python's recursion limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from hypergraph.cache import CacheBackend
from hypergraph.checkpointers.base import Checkpointer
from hypergraph.checkpointers.records import Checkpoint
from hypergraph.engine.kinds import NodeKind
from hypergraph.events.processor import EventProcessor
from hypergraph.exceptions import IncompatibleRunnerError
from hypergraph.graph import Graph
from hypergraph.nodes import HyperNode
from hypergraph.runners.base import BaseRunner, check_checkpointer
from hypergraph.runners.checks.arguments import ALL_OUTPUTS_DEFAULT, RUN_RESERVED, prepare_run
from hypergraph.runners.failure_notes import note_failed_item
from hypergraph.runners.hosting import hosted_context
from hypergraph.runners.item_runs import ItemRuns
from hypergraph.runners.loop.call import (
    NodeCall,
    call_leaf,
    fail_call,
    finish_call,
    map_items,
    start_call,
)
from hypergraph.runners.loop.event_channel import open_events
from hypergraph.runners.loop.map_events import end_mapped, start_mapped
from hypergraph.runners.loop.retry import Attempts, call_with_retries
from hypergraph.runners.loop.steps import RunSteps, nested_run_steps, run_steps
from hypergraph.runners.map_plan import ItemOptions, MapPlan, plan_map
from hypergraph.runners.result import ErrorHandling, RunnerCapabilities, RunResult

if TYPE_CHECKING:  # loaded only when a checkpointer is used
    from hypergraph.runners.durable import DurableMap, DurableOptions

__all__ = ["SyncRunner"]

_CAPABILITIES = RunnerCapabilities(
    supports_cycles=True,
    supports_async_nodes=False,
    supports_streaming=False,
    returns_coroutine=False,
    supports_interrupts=False,
)

_FUNCTION = NodeKind.FUNCTION
_GRAPH = NodeKind.GRAPH


class SyncRunner(BaseRunner):
    """Synchronous runner: executes graphs without async support.

    Args:
        cache: Optional cache backend for node result caching; nodes opt in with ``cache=True``.
        checkpointer: Optional :class:`~hypergraph.checkpointers.Checkpointer`: runs are
            stored step by step under a ``workflow_id`` and resume where they stopped (see
            docs/guides/durable.md).

    Examples:
        >>> from hypergraph import Graph, node, SyncRunner
        >>> @node(output_name="doubled")
        ... def double(x: int) -> int:
        ...     return x * 2
        >>> SyncRunner().run(Graph([double]), {"x": 5})["doubled"]
        10
    """

    # Calls run one by one in node order, stopping at the first failure: a run nothing
    # observes may take the compiled fast path (runners/loop/compiled_run.py).
    _inline_calls = True

    def __init__(
        self, cache: CacheBackend | None = None, checkpointer: Checkpointer | None = None
    ) -> None:
        self.cache = cache
        self.checkpointer = check_checkpointer(checkpointer)

    @property
    def capabilities(self) -> RunnerCapabilities:
        """Cycles yes; async nodes, streaming, coroutines and interrupts no."""
        return _CAPABILITIES

    @property
    def supported_node_types(self) -> set[type[HyperNode]]:
        """``{FunctionNode, GraphNode, IfElseNode, RouteNode}``."""
        from hypergraph.nodes import FunctionNode, GraphNode, IfElseNode, RouteNode

        return {FunctionNode, GraphNode, IfElseNode, RouteNode}

    def run(
        self,
        graph: Graph,
        values: dict[str, Any] | None = None,
        *,
        select: str | list[str] = ALL_OUTPUTS_DEFAULT,
        on_missing: Literal["ignore", "warn", "error"] = "ignore",
        on_internal_override: Literal["ignore", "warn", "error"] = "warn",
        entrypoint: str | None = None,
        max_iterations: int | None = None,
        error_handling: ErrorHandling = "raise",
        event_processors: list[EventProcessor] | None = None,
        workflow_id: str | None = None,
        checkpoint: Checkpoint | None = None,
        fork_from: str | None = None,
        retry_from: str | None = None,
        override_workflow: bool = False,
        **input_values: Any,
    ) -> RunResult:
        """Execute ``graph`` once and return its :class:`RunResult`.

        Args:
            graph: The graph to execute.
            values: Input values (merged with ``**input_values``; a key in both is an error).
            select: Outputs to return; omitted → the graph's ``select()``, ``"**"`` → all.
            on_missing: What to do when a selected output was not produced.
            on_internal_override: What to do when a supplied value is produced inside the graph.
            entrypoint: Which cycle entry point the supplied values are meant for (validation).
            max_iterations: Superstep cap for graphs with cycles (``None`` → 1000).
            error_handling: ``"raise"`` re-raises a node's exception; ``"continue"`` returns a
                FAILED result holding the error and the outputs produced before it.
            event_processors: Processors receiving execution events.
            workflow_id: With a checkpointer: the workflow to record this run as, or to resume
                when it exists (``None`` → a new ``"run-..."`` id, on ``result.workflow_id``).
            checkpoint: A :class:`~hypergraph.checkpointers.Checkpoint` to start a new
                workflow from (a fork).
            fork_from: A stored workflow id to start a new workflow from (its latest state);
                the values passed override its inputs.
            retry_from: A failed workflow id to re-run from its last good step, as a new
                workflow.
            override_workflow: Discard the stored workflow ``workflow_id`` and start over.
            **input_values: Input values as keyword arguments.
        """
        events = open_events(event_processors)  # None without processors: no events built
        try:
            durable = self._durable_options(
                (select, on_missing, on_internal_override, entrypoint, error_handling),
                workflow_id, checkpoint, fork_from, retry_from, override_workflow,
            )  # fmt: skip
            if durable is not None:
                return self._run_durable(
                    graph, values, input_values, durable, max_iterations, events
                )
            prepared = prepare_run(
                graph,
                values,
                input_values,
                runner=self,
                select=select,
                on_missing=on_missing,
                on_internal_override=on_internal_override,
                entrypoint=entrypoint,
                error_handling=error_handling,
                reserved=RUN_RESERVED,
            )
            cap = self._iteration_cap(max_iterations)
            ctx = hosted_context(self, events)
            return self._drive(run_steps(graph, prepared, ctx, cap))
        finally:
            if events is not None:  # once per top-level run, on success or failure
                events.shutdown()

    def map(
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
        error_handling: ErrorHandling = "raise",
        event_processors: list[EventProcessor] | None = None,
        workflow_id: str | None = None,
        **input_values: Any,
    ) -> list[RunResult]:
        """Execute ``graph`` once per item of the ``map_over`` inputs (docs/guides/map.md).

        Args:
            graph: The graph to execute.
            values: Input values; the ``map_over`` ones are lists, the others are broadcast to
                every item (merged with ``**input_values``; a key in both is an error).
            map_over: The parameter name(s) to iterate over.
            map_mode: ``"zip"`` pairs the i-th elements (equal lengths needed); ``"product"``
                runs every combination, the first name varying slowest.
            clone: Deep-copy broadcast values per item: ``False`` shares them, ``True`` copies
                all, a list copies those names.
            select: As in :meth:`run`, for every item.
            on_missing: As in :meth:`run`, for every item.
            on_internal_override: As in :meth:`run`, for every item.
            entrypoint: As in :meth:`run`, for every item.
            error_handling: ``"raise"`` stops at the first failing item and raises its
                exception; ``"continue"`` runs every item, failures giving FAILED results.
            event_processors: Processors receiving the map's and its items' events.
            workflow_id: With a checkpointer: the map's workflow id; item ``i`` is recorded as
                the child run ``"<workflow_id>/<i>"``. Running the map again with the same id
                restores finished items (``result.restored``) and runs only the rest.
            **input_values: Input values as keyword arguments.

        Returns:
            One :class:`RunResult` per item, in input order (``[]`` for zero items).

        Examples:
            >>> from hypergraph import Graph, node, SyncRunner
            >>> @node(output_name="doubled")
            ... def double(x: int) -> int:
            ...     return x * 2
            >>> results = SyncRunner().map(Graph([double]), {"x": [1, 2, 3]}, map_over="x")
            >>> [r["doubled"] for r in results]
            [2, 4, 6]
        """
        events = open_events(event_processors)  # None without processors: no events built
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
            durable = self._durable_map(plan, values, input_values, workflow_id)
            if durable is None:
                return self._run_items(plan, events)
            results = None
            try:
                results = self._run_items(plan, events, durable)
                return results
            finally:
                durable.close(results)
        finally:
            if events is not None:  # once per top-level map, on success or failure
                events.shutdown()

    def _run_items(
        self, plan: MapPlan, events: Any, durable: DurableMap | None = None
    ) -> list[RunResult]:
        """Run every item of a checked map in input order (``"raise"`` stops at a failure)."""
        graph = plan.graph
        runs = ItemRuns(self, plan, events, durable)  # opens the map span
        # The loop below is the hot path of a large map: everything item-independent is bound
        # once, and each item costs one PreparedRun, one RunContext and its run.
        drive, cap = self._drive, self.default_max_iterations
        start, failed = runs.start, runs.failed
        prepared_for = plan.prepared_for
        results: list[RunResult] = []
        append = results.append
        # An unobserved map of a compiled graph runs its items without the run loop (a
        # durable one once its first item taught it the rows): runners/item_runs.py.
        fast = runs.compiled(plan)
        try:
            for index, item in enumerate(plan.items):
                if fast is not None:
                    done = fast(index, item)
                    if done is not None:
                        append(done)
                        continue
                started = start(index, item)
                if isinstance(started, RunResult):  # a durable map's item done before
                    append(started)
                    continue
                try:
                    result = drive(run_steps(graph, prepared_for(item), started, cap))
                except Exception as exc:
                    failed(exc, index, item)
                    raise
                if result.error is not None:  # "continue": a FAILED item
                    failed(result.error, index, item)
                append(result)
        except Exception as exc:
            runs.end(exc)
            raise
        runs.end()
        return results

    def _run_durable(
        self,
        graph: Graph,
        values: dict[str, Any] | None,
        input_values: dict[str, Any],
        durable_options: DurableOptions,
        max_iterations: int | None,
        events: Any,
    ) -> RunResult:
        """``run`` with a checkpointer: start or resume the workflow, record every superstep."""
        from hypergraph.runners.durable import start_durable_run

        durable, prepared = start_durable_run(self, graph, values, input_values, durable_options)
        result = None
        try:
            ctx = hosted_context(self, events)
            ctx.recorder = durable.recorder
            cap = self._iteration_cap(max_iterations)
            result = self._drive(run_steps(graph, prepared, ctx, cap))
            return result
        finally:
            durable.close(result)

    # ------------------------------------------------------------------ driver
    def _drive(self, steps: RunSteps) -> RunResult:
        """Answer every superstep of ``steps`` by calling its nodes inline, in order.

        A GraphNode's inner run is answered by this same loop, not by a call of its own: the
        run holding the GraphNode waits in ``waiting`` (its steps, its superstep and the call's
        position) until the inner run ends, so a graph nested any number of levels deep
        needs no deeper stack than a flat one (a retried or mapped GraphNode still recurses).
        """
        execute = self._execute
        waiting: list[tuple[RunSteps, list[NodeCall], int]] = []
        answer: list[NodeCall] | None = None  # the superstep to send back; None: start the run
        while True:
            try:
                calls = next(steps) if answer is None else steps.send(answer)
                position = 0
            except StopIteration as stop:
                if not waiting:
                    result: RunResult = stop.value
                    return result
                steps, calls, position = waiting.pop()  # the inner run of calls[position] ended
                try:
                    finish_call(calls[position], stop.value)
                    position += 1
                except Exception as exc:
                    fail_call(calls[position], exc)
                    calls = calls[: position + 1]
                    position = len(calls)
            except Exception as exc:
                if not waiting:
                    raise
                steps, calls, position = waiting.pop()  # the inner run of calls[position] raised
                fail_call(calls[position], exc)
                calls = calls[: position + 1]
                position = len(calls)
            answer = calls
            # One test per superstep: all calls of a batch share the run's context.
            observed = calls[0].ctx.dispatcher is not None
            while position < len(calls):
                call = calls[position]
                if observed:
                    start_call(call)  # NodeStartEvent right before the call executes
                try:
                    if call.kind is _FUNCTION and not call.plan.guarded:  # the common case
                        raw = call.func(*call.args, **call.kwargs)
                    elif call.plan.guarded:  # retry policy: runners/loop/retry.py
                        raw = call_with_retries(call, self._attempt)
                    elif call.kind is _GRAPH:  # its inner run goes first, in this loop
                        inner = nested_run_steps(call, call.kwargs)
                        waiting.append((steps, calls, position))
                        steps, answer = inner, None
                        break
                    else:
                        raw = execute(call)
                    finish_call(call, raw)
                except Exception as exc:
                    fail_call(call, exc)
                    # Later nodes of this superstep do not run ("Failure" in
                    # docs/guides/running.md).
                    answer = calls[: position + 1]
                    break
                position += 1

    def _attempt(self, attempts: Attempts) -> Any:
        """One attempt of a guarded call (the node's start event is already out)."""
        attempts.begin()
        return self._execute(attempts.call)

    def _execute(self, call: NodeCall) -> Any:
        """The raw result of one call: a sync leaf in place, a nested graph recursively."""
        strategy = call.plan.strategy
        if strategy.sync_leaf:
            return call_leaf(call)
        if strategy.mapped:
            return self._run_mapped(call)
        if strategy.nested:
            return self._run_nested(call.node.graph, call.kwargs, call)
        raise IncompatibleRunnerError(
            f"SyncRunner cannot execute node '{call.plan.name}' ({call.kind.value}): it needs "
            "AsyncRunner.",
            node_name=call.plan.name,
        )

    def _run_nested(
        self, graph: Any, values: dict[str, Any], call: NodeCall, index: int | None = None
    ) -> RunResult:
        """One inner run of a GraphNode call (docs/guides/graphs.md): inner selection, default cap,
        raise; ``index`` is the position of a ``map_over`` item."""
        return self._drive(nested_run_steps(call, values, index))

    def _run_mapped(self, call: NodeCall) -> list[RunResult | None]:
        """All items of a mapped GraphNode, in order; ``None`` marks a failed item (continue)."""
        graph = call.node.graph
        keep_going = call.map_error_handling == "continue"
        count, items = map_items(call)
        start_mapped(call, count)  # events: the map span the item runs hang under
        results: list[RunResult | None] = []
        try:
            for index, values in enumerate(items):
                try:
                    results.append(self._run_nested(graph, values, call, index))
                except Exception as exc:
                    if not keep_going:
                        note_failed_item(
                            exc,
                            index,
                            count,
                            values,
                            call.plan.map_params or (),
                            node_name=call.plan.name,
                        )
                        raise
                    results.append(None)
        except Exception as exc:
            end_mapped(call, exc)
            raise
        end_mapped(call)
        return results
