"""AsyncRunner: concurrency of I/O-bound nodes, and per-node overhead next to SyncRunner.

Run: ``python benchmarks/bench_async.py [--repeat N]``. Prints, best of N rounds:

1. **Fan-out**: 200 independent async nodes that each ``await asyncio.sleep(0.01)``, with
   unlimited concurrency and with ``max_concurrency=10``, next to the sequential total (2 s) and
   the ideal for the limit (200 / 10 x 10 ms = 0.2 s).
2. **Overhead**: a 1,000-node chain of trivial functions run by ``SyncRunner.run`` and by
   ``AsyncRunner.run``, as sync nodes and as ``async def`` nodes; time per node and the ratio of
   each AsyncRunner figure to SyncRunner's.
3. **Map**: ``AsyncRunner.map`` of a 3-node chain over 10,000 items (``max_concurrency=100``)
   next to ``SyncRunner.map``.

Graph construction is not timed; a first run (which compiles the plan) is a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from hypergraph import AsyncRunner, FunctionNode, Graph, SyncRunner


def _function(name: str, param: str, body: str, is_async: bool = False) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"asyncio": asyncio}
    prefix = "async def" if is_async else "def"
    exec(f"{prefix} {name}({param}):\n    return {body}\n", namespace)
    return namespace[name]


def chain_graph(size: int, is_async: bool) -> Graph:
    """``v0 -> n0 -> v1 -> ...``: each node adds one."""
    nodes = [
        FunctionNode(_function(f"n{i}", f"v{i}", f"v{i} + 1", is_async), output_name=f"v{i + 1}")
        for i in range(size)
    ]
    return Graph(nodes)


def sleepers_graph(size: int, delay: float) -> Graph:
    """``size`` independent async nodes reading ``x`` and sleeping ``delay`` seconds."""

    async def body(x: int) -> int:
        await asyncio.sleep(delay)
        return x

    return Graph([FunctionNode(body, name=f"s{i}", output_name=f"o{i}") for i in range(size)])


def map_graph() -> Graph:
    def parse(x: int) -> int:
        return x + 1

    def square(parsed: int) -> int:
        return parsed * parsed

    def label(squared: int) -> str:
        return "even" if squared % 2 == 0 else "odd"

    return Graph(
        [
            FunctionNode(parse, output_name="parsed"),
            FunctionNode(square, output_name="squared"),
            FunctionNode(label, output_name="label"),
        ]
    )


async def best_async(repeat: int, make: Callable[[], Awaitable[Any]]) -> float:
    await make()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        await make()
        best = min(best, time.perf_counter() - started)
    return best


def best_sync(repeat: int, make: Callable[[], Any]) -> float:
    make()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        make()
        best = min(best, time.perf_counter() - started)
    return best


async def fan_out(repeat: int) -> None:
    size, delay = 200, 0.01
    graph = sleepers_graph(size, delay)
    runner = AsyncRunner()
    print(f"Fan-out: {size} async nodes x {delay * 1000:.0f} ms sleep (sequential: "
          f"{size * delay:.1f} s)")  # fmt: skip
    for limit in (None, 10):
        seconds = await best_async(
            repeat, lambda limit=limit: runner.run(graph, x=1, max_concurrency=limit)
        )
        ideal = delay * (size / limit if limit else 1)
        print(
            f"  max_concurrency={limit!s:<5} {seconds * 1000:8.1f} ms  "
            f"(ideal {ideal * 1000:.0f} ms, {size * delay / seconds:5.1f}x faster than sequential)"
        )


async def overhead(repeat: int) -> None:
    size = 1000
    sync_graph, async_graph = chain_graph(size, False), chain_graph(size, True)
    sync_seconds = best_sync(repeat, lambda: SyncRunner().run(sync_graph, v0=0))
    runner = AsyncRunner()
    async_sync_nodes = await best_async(repeat, lambda: runner.run(sync_graph, v0=0))
    async_async_nodes = await best_async(repeat, lambda: runner.run(async_graph, v0=0))
    limited = await best_async(repeat, lambda: runner.run(async_graph, v0=0, max_concurrency=4))
    print(f"\nPer-node overhead, chain of {size:,} nodes")
    rows = [
        ("SyncRunner, sync nodes", sync_seconds),
        ("AsyncRunner, sync nodes", async_sync_nodes),
        ("AsyncRunner, async nodes", async_async_nodes),
        ("AsyncRunner, async nodes, max_concurrency=4", limited),
    ]
    for label, seconds in rows:
        per_node = seconds / size * 1e6
        print(f"  {label:<46} {per_node:6.2f} us/node  ratio {seconds / sync_seconds:4.2f}")


async def batch(repeat: int) -> None:
    items = list(range(10_000))
    graph = map_graph()
    sync_seconds = best_sync(repeat, lambda: SyncRunner().map(graph, x=items, map_over="x"))
    runner = AsyncRunner()
    async_seconds = await best_async(
        repeat, lambda: runner.map(graph, x=items, map_over="x", max_concurrency=100)
    )
    print(f"\nMap of a 3-node chain over {len(items):,} items")
    for label, seconds in (("SyncRunner.map", sync_seconds), ("AsyncRunner.map", async_seconds)):
        print(f"  {label:<17} {len(items) / seconds:9,.0f} items/s")


async def main(repeat: int) -> None:
    await fan_out(repeat)
    await overhead(repeat)
    await batch(repeat)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds per scenario (best kept)")
    asyncio.run(main(parser.parse_args().repeat))
