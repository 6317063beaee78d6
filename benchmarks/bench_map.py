"""Throughput and memory of ``map()`` over a 3-node chain of trivial functions.

Run: ``python benchmarks/bench_map.py [--repeat N] [--sizes 1000 10000 100000]``.

For each size it maps ``a -> b -> c -> d`` (add one, double, subtract three) over that many
items and prints, per runner:

- items/s and µs per item (best of N rounds, more for small sizes; a first, untimed round
  compiles and caches the plan), which should stay flat as the size grows. Times are CPU time of this process
  (``time.process_time``): everything runs on one thread, and other load on the machine does
  not distort the figures as it does wall time;
- the ratio to a plain Python loop calling the same three functions per item;
- peak traced memory of one more round (``tracemalloc``, measured apart from the timing because
  tracing slows Python down), next to the size of the results it returns.

AsyncRunner (``AsyncRunner.map`` with ``max_concurrency``, required above 10,000 items) is
measured too when it is importable.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from hypergraph import Graph, SyncRunner, node


def add_one(a: int) -> int:
    return a + 1


def double(b: int) -> int:
    return b * 2


def minus_three(c: int) -> int:
    return c - 3


GRAPH = Graph(
    [
        node(output_name="b")(add_one),
        node(output_name="c")(double),
        node(output_name="d")(minus_three),
    ],
    name="chain3",
)


def plain_loop(items: list[int]) -> list[dict[str, int]]:
    """The same work without hypergraph: three calls and one result dict per item."""
    results = []
    for a in items:
        b = add_one(a)
        c = double(b)
        results.append({"b": b, "c": c, "d": minus_three(c)})
    return results


def sync_map(items: list[int]) -> list[Any]:
    return SyncRunner().map(GRAPH, {"a": items}, map_over="a")


def async_map(items: list[int]) -> list[Any]:
    from hypergraph import AsyncRunner

    coroutine = AsyncRunner().map(GRAPH, {"a": items}, map_over="a", max_concurrency=64)
    return asyncio.run(coroutine)


def best_time(operation: Callable[[list[int]], Any], items: list[int], repeat: int) -> float:
    """Best wall time of ``repeat`` rounds; results are dropped between rounds."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        result = operation(items)
        best = min(best, time.process_time() - start)
        del result
    return best


def peak_memory(operation: Callable[[list[int]], Any], items: list[int]) -> tuple[int, int]:
    """``(peak bytes traced during one round, bytes still held by its results)``."""
    gc.collect()
    tracemalloc.start()
    result = operation(items)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak, held


def runners() -> list[tuple[str, Callable[[list[int]], Any]]]:
    chosen: list[tuple[str, Callable[[list[int]], Any]]] = [("SyncRunner", sync_map)]
    try:
        from hypergraph import AsyncRunner

        AsyncRunner.map  # noqa: B018 - only checks the method exists
        chosen.append(("AsyncRunner", async_map))
    except (ImportError, AttributeError):
        print("AsyncRunner.map is not available: only SyncRunner is measured.\n")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timing rounds per measurement")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    header = (
        f"{'runner':<12}{'items':>9}{'items/s':>11}{'us/item':>9}{'plain us':>10}"
        f"{'ratio':>7}{'peak MB':>9}{'held MB':>9}"
    )
    print(header)
    print("-" * len(header))
    for label, operation in runners():
        operation(list(range(10)))  # warm-up: compiles and caches the plan
        for size in args.sizes:
            items = list(range(size))
            # Small sizes get more rounds: a best-of over a few milliseconds is mostly noise.
            rounds = max(args.repeat, 100_000 // size)
            elapsed = best_time(operation, items, rounds)
            plain = best_time(plain_loop, items, rounds)
            peak, held = peak_memory(operation, items)
            print(
                f"{label:<12}{size:>9,}{size / elapsed:>11,.0f}{elapsed / size * 1e6:>9.2f}"
                f"{plain / size * 1e6:>10.3f}{elapsed / plain:>7.1f}"
                f"{peak / 2**20:>9.1f}{held / 2**20:>9.1f}"
            )


if __name__ == "__main__":
    main()
