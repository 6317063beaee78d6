"""Cost of the cache backends next to a direct call of a trivial function.

Run: ``python benchmarks/bench_cache.py [--number N]``. Prints microseconds per operation for a
direct function call, ``compute_cache_key``, and ``get`` (hit) / ``set`` on ``InMemoryCache`` and
``DiskCache`` (in a temporary directory). Runner-level hit overhead is measured elsewhere.
"""

from __future__ import annotations

import argparse
import tempfile
import timeit
from collections.abc import Callable

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000, help="calls per timing round")
    args = parser.parse_args()
    rows = measure(args.number)
    baseline = rows[0][1]
    print(f"{'operation':<28}{'us/op':>10}{'x direct':>10}")
    for label, micros in rows:
        print(f"{label:<28}{micros:>10.2f}{micros / baseline:>10.1f}")


if __name__ == "__main__":
    main()
