"""Single flight for cached calls: identical calls in flight at once run the body once.

Two cached calls are identical when they share the cache backend and the cache key (same code,
same inputs). Without coordination, 200 concurrent identical calls of an ``AsyncRunner`` (map
items, ``asyncio.gather`` of runs) all miss the cache before the first one stores its result,
and all run the body. With :func:`single_flight` around the execution, the first call runs and
the others wait for it (without holding a concurrency slot), then look the cache up again and
are answered from it, with the usual cache-hit events. If the first call stored nothing (it
failed, or its value could not be stored), the next waiting call runs, and so on.

The scope is one event loop: identical calls in different threads or processes may still each
compute (the last write wins), as documented for the cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hypergraph.runners.loop.call import NodeCall, replay_from_cache

__all__ = ["single_flight"]

# (event loop, cache backend, cache key) → future resolved when the running call is done.
_in_flight: dict[tuple[int, int, str], asyncio.Future[None]] = {}


@asynccontextmanager
async def single_flight(call: NodeCall) -> AsyncIterator[bool]:
    """Enter before executing a cached call that missed; yields whether it was answered.

    Yields ``True`` when an identical call finished meanwhile and this one was answered from
    the cache (outputs and events are set: do not execute it), ``False`` when the caller must
    execute it; identical calls arriving meanwhile wait until the block exits.
    """
    key = call.cache_key
    if not key:
        yield False
        return
    loop = asyncio.get_running_loop()
    slot = (id(loop), id(call.ctx.cache), key)
    # Each turn waits for one running twin; there are finitely many, so this ends.
    while (twin := _in_flight.get(slot)) is not None:
        await asyncio.shield(twin)  # our cancellation must not cancel the twin's signal
        if replay_from_cache(call):
            yield True
            return
    done: asyncio.Future[None] = loop.create_future()
    _in_flight[slot] = done
    try:
        yield False
    finally:
        del _in_flight[slot]
        done.set_result(None)
