"""How ``AsyncRunner`` executes a run: each superstep's calls concurrently on the event loop.

:class:`AsyncDriver` answers the supersteps of :func:`~hypergraph.runners.loop.steps.run_steps`
(``_drive``): a sync leaf nothing must wrap is called in place, anything else as a task; a
nested graph is driven by the same driver through ``nested_run_steps``, a mapped GraphNode's
items through a worker pool, a guarded call through the retry loop. An inner run is awaited
in place, except every ``_LEVELS_PER_TASK`` levels of nesting, where it runs as a task of its
own and so starts from a fresh stack: nesting depth is not bounded by the recursion limit. Leaf bodies hold a
``max_concurrency`` slot (runners/concurrency.py) and run on the loop, or in a worker thread
with ``sync_nodes_in_threads``. Deferred events are flushed at each await point
(runners/loop/event_channel.py). The runner's entry points (``run``, ``map``) are in
runners/async_.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypergraph.runners.concurrency import CURRENT_LIMITER, outside_limits, run_all, run_pool
from hypergraph.runners.failure_notes import note_failed_item
from hypergraph.runners.loop.call import (
    NodeCall,
    call_leaf,
    call_leaf_async,
    fail_call,
    finish_call,
    map_items,
    start_call,
)
from hypergraph.runners.loop.event_channel import RunEvents
from hypergraph.runners.loop.event_hooks import body_starts
from hypergraph.runners.loop.map_events import end_mapped, start_mapped
from hypergraph.runners.loop.retry import Attempts, call_with_retries_async
from hypergraph.runners.loop.single_flight import single_flight
from hypergraph.runners.loop.steps import RunSteps, nested_run_steps
from hypergraph.runners.result import RunResult

__all__ = ["AsyncDriver"]

# Without max_concurrency a map_over fan-out uses at most this many worker tasks at once.
_UNLIMITED_WORKERS = 10_000
# Nesting levels whose runs are awaited in place before one runs as a task of its own.
_LEVELS_PER_TASK = 50


class AsyncDriver:
    """The driver half of ``AsyncRunner``: executing the calls of a run's supersteps.

    ``AsyncRunner`` inherits it; ``sync_nodes_in_threads`` is the runner's setting.
    """

    sync_nodes_in_threads: bool

    async def _drive(self, steps: RunSteps) -> RunResult:
        """Answer every superstep of ``steps``, running each superstep's calls concurrently."""
        # Sync leaves (engine/kinds.py) can be called in place, without a task, when nothing
        # (limiter, thread) must wrap them.
        inline = not self.sync_nodes_in_threads and CURRENT_LIMITER.get() is None
        events: RunEvents | None = None
        try:
            calls = next(steps)
            events = calls[0].ctx.dispatcher  # one run, one context: checked once
            while True:
                if events is not None:
                    await events.flush()  # run start and the previous superstep's events
                if len(calls) == 1:
                    call = calls[0]
                    if inline and call.plan.strategy.sync_leaf and not call.plan.guarded:
                        _execute_inline(call)
                    else:
                        await self._execute(call)
                else:
                    await self._execute_superstep(calls, inline)
                calls = steps.send(calls)
        except StopIteration as stop:
            if events is not None:
                await events.flush()  # the run's end event
            result: RunResult = stop.value
            return result

    async def _execute_superstep(self, calls: list[NodeCall], inline: bool) -> None:
        """Run all calls of one superstep; every call finishes (or fails) before returning."""
        waiting: list[NodeCall] = []
        for call in calls:
            if inline and call.plan.strategy.sync_leaf and not call.plan.guarded:
                _execute_inline(call)
            else:
                waiting.append(call)
        if len(waiting) == 1:
            await self._execute(waiting[0])
        elif waiting:
            await run_all([self._execute(call) for call in waiting])

    async def _execute(self, call: NodeCall) -> None:
        """Execute one call and record its outcome on it; only BaseExceptions escape.

        A cached call that missed runs under :func:`single_flight`: an identical call already
        running makes it wait and take that call's cached result instead of running again.
        """
        try:
            if call.cache_key:
                async with single_flight(call) as answered:
                    if not answered:
                        finish_call(call, await self._invoke(call))
            else:
                finish_call(call, await self._invoke(call))
        except Exception as exc:
            fail_call(call, exc)
        events = call.ctx.dispatcher
        if events is not None:
            await events.flush()  # this call's end (or error) event, without waiting for siblings

    async def _invoke(self, call: NodeCall) -> Any:
        """The raw result of one call: where it runs is this driver's choice, how is its kind's."""
        strategy = call.plan.strategy
        if strategy.mapped:
            return await self._run_mapped(call)
        if strategy.nested:
            inner = self._drive(nested_run_steps(call, call.kwargs))
            if (call.ctx.depth + 1) % _LEVELS_PER_TASK == 0:
                # Awaited in place, each level of nesting adds a few frames to the stack; every
                # _LEVELS_PER_TASK levels the inner run is a task of its own, on a fresh stack.
                return await asyncio.ensure_future(inner)
            return await inner
        if call.plan.guarded:  # retry policy or timeout: runners/loop/retry.py
            return await call_with_retries_async(call, self._attempt)
        if not strategy.holds_slot:  # a gate: quick, on the loop, never waits for a slot
            start_call(call)
            return call_leaf(call)
        limiter = CURRENT_LIMITER.get()
        events = call.ctx.dispatcher
        if limiter is None:
            start_call(call)
            if events is not None:
                await events.flush()  # deliver the start now, not once the body has finished
                body_starts(call)  # duration_ms counts the body, not the processors
            return await self._call_body(call)
        async with limiter.semaphore:  # held around the leaf body only
            start_call(call)  # a node starts when it gets its slot, not while it waits
            if events is not None:
                await events.flush()
                body_starts(call)
            return await self._call_body(call)

    async def _attempt(self, attempts: Attempts) -> Any:
        """One attempt of a guarded leaf call: a slot for the attempt only, then the body.

        Between attempts the retry loop waits holding no ``max_concurrency`` slot.
        """
        call = attempts.call
        if not call.plan.strategy.holds_slot:  # a gate
            start_call(call)
            attempts.begin()
            return call_leaf(call)
        limiter = CURRENT_LIMITER.get()
        if limiter is None:
            return await self._attempt_body(attempts)
        async with limiter.semaphore:
            return await self._attempt_body(attempts)

    async def _attempt_body(self, attempts: Attempts) -> Any:
        call = attempts.call
        start_call(call)  # the node's start, once, before its first attempt
        attempts.begin()
        events = call.ctx.dispatcher
        if events is not None:
            await events.flush()
        return await attempts.within_timeout(self._call_body(call))

    async def _call_body(self, call: NodeCall) -> Any:
        """A leaf body, in a worker thread when asked for sync bodies, else on the loop."""
        with outside_limits():  # a run the body starts never waits on this call's slot
            if self.sync_nodes_in_threads and not call.node.is_async:
                return await asyncio.to_thread(call_leaf, call)
            return await call_leaf_async(call)

    async def _run_mapped(self, call: NodeCall) -> list[RunResult | None]:
        """All items of a mapped GraphNode, concurrently; ``None`` marks a failed item."""
        count, items = map_items(call)
        start_mapped(call, count)  # events: the span the item runs hang under
        limiter = CURRENT_LIMITER.get()
        workers = limiter.limit if limiter is not None else _UNLIMITED_WORKERS
        keep_going = call.map_error_handling == "continue"

        async def run_item(indexed: tuple[int, dict[str, Any]]) -> RunResult:
            index, values = indexed
            try:
                return await self._drive(nested_run_steps(call, values, index))
            except Exception as exc:
                if not keep_going:
                    params = call.plan.map_params or ()
                    note_failed_item(exc, index, count, values, params, node_name=call.plan.name)
                raise

        try:
            results, failures = await run_pool(
                enumerate(items), count, run_item, workers, not keep_going
            )
            if failures and not keep_going:
                raise failures[min(failures)]
        except Exception as exc:
            end_mapped(call, exc)
            raise
        end_mapped(call)
        return results


def _execute_inline(call: NodeCall) -> None:
    """Call a sync leaf in place and record its outcome (no task, no await)."""
    start_call(call)
    try:
        finish_call(call, call_leaf(call))
    except Exception as exc:
        fail_call(call, exc)
