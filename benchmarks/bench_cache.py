"""Cost of the cache backends next to a direct call of a trivial function.

Run: ``python benchmarks/bench_cache.py [--number N]``. Prints microseconds per operation for a
direct function call, ``compute_cache_key``, and ``get`` (hit) / ``set`` on ``InMemoryCache`` and
``DiskCache`` (in a temporary directory).

A second table measures caching through a runner: ``SyncRunner.run`` of a one-node graph whose
node is served from the cache (a hit, for each backend), next to the same run without a cache
and to calling the function directly. The difference between the hit and the uncached run is
what a hit costs on top of the run machinery (key computation plus ``get``).
"""

from __future__ import annotations

import argparse
import tempfile
import timeit
from collections.abc import Callable

from hypergraph import Graph, SyncRunner, node
from hypergraph.cache import DiskCache, InMemoryCache, compute_cache_key

DEFINITION_HASH = "0" * 64
INPUTS = {"text": "hello world", "n": 3}
VALUE = {"vec": [0.1, 0.2, 0.3], "label": "greeting"}


def trivial(text: str, n: int) -> dict[str, object]:
    """The kind of cheap node body a cache hit would replace."""
    return {"vec": [0.1, 0.2, 0.3], "label": text[:n]}


def per_call_us(operation: Callable[[], object], number: int) -> float:
    """Best-of-5 microseconds per call, so a noisy moment does not skew the figure."""
    return min(timeit.repeat(operation, number=number, repeat=5)) / number * 1e6


def measure(number: int) -> list[tuple[str, float]]:
    """Return ``(label, microseconds per op)`` for each measured operation."""
    key = compute_cache_key(DEFINITION_HASH, INPUTS)
    memory = InMemoryCache(max_size=256)
    memory.set(key, VALUE)
    rows = [
        ("direct call of trivial()", per_call_us(lambda: trivial(**INPUTS), number)),
        (
            "compute_cache_key",
            per_call_us(lambda: compute_cache_key(DEFINITION_HASH, INPUTS), number),
        ),
        ("InMemoryCache.get (hit)", per_call_us(lambda: memory.get(key), number)),
        ("InMemoryCache.set", per_call_us(lambda: memory.set(key, VALUE), number)),
    ]
    with tempfile.TemporaryDirectory() as directory:
        disk = DiskCache(directory)
        disk.set(key, VALUE)
        disk_number = max(1, number // 20)  # disk operations are far slower; keep runs short
        rows.append(("DiskCache.get (hit)", per_call_us(lambda: disk.get(key), disk_number)))
        rows.append(("DiskCache.set", per_call_us(lambda: disk.set(key, VALUE), disk_number)))
        disk.close()
    return rows


@node(output_name="result", cache=True)
def cached_trivial(text: str, n: int) -> dict[str, object]:
    return {"vec": [0.1, 0.2, 0.3], "label": text[:n]}


@node(output_name="result")
def uncached_trivial(text: str, n: int) -> dict[str, object]:
    return {"vec": [0.1, 0.2, 0.3], "label": text[:n]}


def measure_runner(number: int) -> list[tuple[str, float]]:
    """``(label, microseconds per run)`` for runner-level hits on both backends."""
    cached_graph, plain_graph = Graph([cached_trivial]), Graph([uncached_trivial])
    plain_runner = SyncRunner()
    rows = [
        ("direct call of trivial()", per_call_us(lambda: trivial(**INPUTS), number)),
        ("run, no cache", per_call_us(lambda: plain_runner.run(plain_graph, INPUTS), number)),
    ]
    memory_runner = SyncRunner(cache=InMemoryCache(max_size=256))
    memory_runner.run(cached_graph, INPUTS)  # fill the entry: every timed run is a hit
    rows.append(
        (
            "run, InMemoryCache hit",
            per_call_us(lambda: memory_runner.run(cached_graph, INPUTS), number),
        )
    )
    with tempfile.TemporaryDirectory() as directory:
        disk = DiskCache(directory)
        disk_runner = SyncRunner(cache=disk)
        disk_runner.run(cached_graph, INPUTS)
        disk_number = max(1, number // 20)
        rows.append(
            (
                "run, DiskCache hit",
                per_call_us(lambda: disk_runner.run(cached_graph, INPUTS), disk_number),
            )
        )
        disk.close()
    return rows


def print_table(rows: list[tuple[str, float]]) -> None:
    baseline = rows[0][1]
    print(f"{'operation':<28}{'us/op':>10}{'x direct':>10}")
    for label, micros in rows:
        print(f"{label:<28}{micros:>10.2f}{micros / baseline:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000, help="calls per timing round")
    args = parser.parse_args()
    print_table(measure(args.number))
    print()
    print_table(measure_runner(max(1, args.number // 10)))


if __name__ == "__main__":
    main()
