"""AsyncRunner's concurrency primitives: the global limiter, task groups, and worker pools.

- :data:`CURRENT_LIMITER` holds the ``max_concurrency`` limiter of the outermost ``run``/``map``.
  asyncio tasks copy the context they are created in, so nested graphs, ``map_over`` items and
  map items started below it all see (and share) the same limiter: the cap is global.
- :func:`outside_limits` clears it while a node body runs: a separate ``run``/``map`` that a
  node body starts itself is a new top-level run with its own limit (none unless it passes
  ``max_concurrency``), so it never waits for the slot its caller holds.
- :func:`run_all` awaits coroutines concurrently and, if it is cancelled, cancels them and waits
  until they have stopped, so nothing keeps running in the background.
- :func:`run_pool` runs many lazily produced items through a fixed number of workers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from hypergraph._short_repr import short_repr

__all__ = [
    "CURRENT_LIMITER",
    "Limiter",
    "check_max_concurrency",
    "concurrency_limit",
    "outside_limits",
    "run_all",
    "run_pool",
]

T = TypeVar("T")
R = TypeVar("R")


class Limiter:
    """The cap of one top-level run/map: a semaphore plus the number it was built with.

    Drivers hold :attr:`semaphore` only around leaf node bodies, never while awaiting a nested
    run, so a nested graph can never wait for a slot its own parent holds.
    """

    __slots__ = ("limit", "semaphore")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.semaphore = asyncio.Semaphore(limit)


CURRENT_LIMITER: ContextVar[Limiter | None] = ContextVar(
    "hypergraph_concurrency_limiter", default=None
)


@contextmanager
def concurrency_limit(limit: int | None) -> Iterator[None]:
    """Install a fresh limiter of ``limit`` for the top-level run/map inside the block.

    ``None`` installs nothing: runs inside keep whatever limiter (if any) they inherit.
    """
    if limit is None:
        yield
        return
    token = CURRENT_LIMITER.set(Limiter(limit))
    try:
        yield
    finally:
        CURRENT_LIMITER.reset(token)


@contextmanager
def outside_limits() -> Iterator[None]:
    """Run the block (a node body) with no inherited limiter.

    The caller holds one slot of its limiter while a node body runs. A run the body starts
    (``await runner.run(...)``, or ``asyncio.run`` in a worker thread) would otherwise inherit
    that limiter and, once every slot is held by such callers, wait forever for one of them.
    """
    token = CURRENT_LIMITER.set(None)
    try:
        yield
    finally:
        CURRENT_LIMITER.reset(token)


def check_max_concurrency(max_concurrency: int | None) -> int | None:
    """``max_concurrency`` validated: ``None`` or a positive int."""
    if max_concurrency is None:
        return None
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
        raise TypeError(
            f"max_concurrency must be a positive int or None, got {type(max_concurrency).__name__} "
            f"({short_repr(max_concurrency)})."
        )
    if max_concurrency < 1:
        raise ValueError(
            f"max_concurrency must be at least 1, got {max_concurrency}. It caps how many node "
            "bodies run at once (1 runs them one at a time); use None for no limit."
        )
    return max_concurrency


async def run_all(coros: list[Coroutine[Any, Any, None]]) -> None:
    """Await ``coros`` concurrently as tasks.

    If this is cancelled, or a task raises (the drivers' coroutines only let ``BaseException``
    through), the remaining tasks are cancelled and awaited before the exception propagates.
    """
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
        raise


async def run_pool(
    items: Iterator[T],
    count: int,
    run_one: Callable[[T], Awaitable[R]],
    workers: int,
    stop_on_failure: bool,
) -> tuple[list[R | None], dict[int, Exception]]:
    """Run ``run_one`` over ``count`` lazy items with at most ``workers`` in flight.

    A fixed pool of worker tasks pulls items from the shared iterator, so no task per item is
    created up front and each item is produced only when a worker takes it; the result list
    grows as items are taken, so memory follows the items started, not ``count``. Returns the
    results in item order (``None`` where an item failed) and the failures by item index. With
    ``stop_on_failure`` workers take no new item after a failure; started items still finish.
    """
    results: list[R | None] = []
    failures: dict[int, Exception] = {}
    numbered = enumerate(items)

    async def worker() -> None:
        # Iterating a shared iterator from several tasks is safe: next() never awaits, so items
        # are taken in index order and each one's slot is appended as it is taken. The failure
        # check comes before taking an item: a worker that first runs after another one failed
        # (items that never await run back to back) must not start one more.
        while not (stop_on_failure and failures):
            taken = next(numbered, None)
            if taken is None:
                return
            index, item = taken
            results.append(None)
            try:
                results[index] = await run_one(item)
            except Exception as exc:
                failures[index] = exc

    pool = max(1, min(workers, count))
    if pool == 1:
        await worker()
    else:
        await run_all([worker() for _ in range(pool)])
    return results, failures
