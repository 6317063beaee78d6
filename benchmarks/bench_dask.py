"""DaskRunner.map on a 2-worker LocalCluster: CPU-bound speed-up and bounded client memory.

Run: ``.venv/bin/python benchmarks/bench_dask.py [--cpu-items N] [--tiny-items N]``

1. **CPU-bound**: a 100,000-item map of a small graph doing a few hundred microseconds of
   arithmetic per item, ``SyncRunner.map`` vs ``DaskRunner.map`` (2 worker processes, 1 thread
   each). On a 2-core machine the best possible speed-up is about 2x.
2. **Client memory**: a 1,000,000-item map of a trivial graph. ``tracemalloc`` measures the
   client's Python allocations: what is still allocated after the map (the results) and the
   peak during it. The difference is what streaming costs (chunks in flight, events); it stays
   flat when the item count grows, while the results grow linearly.

The nodes are defined in this script (``__main__``), so they travel to the workers by value,
as they would from a user's script or notebook.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor

from hypergraph import DaskRunner, Graph, SyncRunner, node


@node(output_name="mixed")
def churn(seed: int, rounds: int = 2000) -> int:
    """A few hundred microseconds of integer arithmetic."""
    value = seed
    for i in range(rounds):
        value = (value * 1103515245 + 12345 + i) % 2147483648
    return value


@node(output_name="digest")
def fold(mixed: int) -> int:
    return mixed % 1000


CPU_GRAPH = Graph([churn, fold], name="cpu")


@node(output_name="y")
def bump(x: int) -> int:
    return x + 1


TINY_GRAPH = Graph([bump], name="tiny")


def timed(label: str, fn):
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    print(f"  {label:<38} {elapsed:8.2f} s")
    return value, elapsed


def _churn_range(bounds: tuple[int, int]) -> list[int]:
    return [churn.func(seed) % 1000 for seed in range(*bounds)]


def bench_cpu(runner: DaskRunner, items: int) -> None:
    print(f"\n[1] CPU-bound map, {items:,} items (graph: churn -> fold)")
    values = {"seed": list(range(items))}
    local, t_sync = timed(
        "SyncRunner.map", lambda: SyncRunner().map(CPU_GRAPH, values, map_over="seed")
    )
    remote, t_dask = timed(
        "DaskRunner.map (2 workers)", lambda: runner.map(CPU_GRAPH, values, map_over="seed")
    )
    assert [r["digest"] for r in remote] == [r["digest"] for r in local]
    # What two processes can do on this machine at best: the bare functions, no hypergraph.
    half = items // 2
    with ProcessPoolExecutor(2) as pool:
        _, t_ceiling = timed(
            "bare functions, 2 processes (ceiling)",
            lambda: list(pool.map(_churn_range, [(0, half), (half, items)])),
        )
    print(
        f"  work per item: {t_sync / items * 1e6:.0f} us; speed-up over SyncRunner: "
        f"{t_sync / t_dask:.2f}x (bare 2-process ceiling: {t_sync / t_ceiling:.2f}x)"
    )


def bench_memory(runner: DaskRunner, sizes: list[int]) -> None:
    print("\n[2] trivial maps: speed (untraced) and client memory (tracemalloc, client only)")
    print(
        f"  {'items':>10} {'time':>8} {'items/s':>10} {'results':>10} {'peak':>10} "
        f"{'peak-results':>13}"
    )
    mb = 1024 * 1024
    for items in sizes:
        values = {"x": range(items)}  # a lazy range: the input itself takes no memory
        gc.collect()
        rss_before = _rss_mb()
        start = time.perf_counter()
        results = runner.map(TINY_GRAPH, values, map_over="x")
        elapsed = time.perf_counter() - start
        rss_growth = _rss_mb() - rss_before
        assert len(results) == items and results[-1]["y"] == items
        del results
        gc.collect()
        tracemalloc.start()
        results = runner.map(TINY_GRAPH, values, map_over="x")
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  {items:>10,} {elapsed:>7.1f}s {items / elapsed:>10,.0f} {current / mb:>8.1f}MB "
            f"{peak / mb:>8.1f}MB {(peak - current) / mb:>11.1f}MB   (RSS grew {rss_growth:.0f}MB)"
        )
        del results
    sync_start = time.perf_counter()
    SyncRunner().map(TINY_GRAPH, {"x": range(sizes[0])}, map_over="x")
    sync_rate = sizes[0] / (time.perf_counter() - sync_start)
    print(f"  for reference, SyncRunner.map of {sizes[0]:,} items: {sync_rate:,.0f} items/s")


def _rss_mb() -> float:
    """Current resident memory of this process in MB (Linux), else the peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-items", type=int, default=100_000)
    parser.add_argument("--tiny-items", type=int, default=1_000_000)
    args = parser.parse_args()
    with DaskRunner(n_workers=2, threads_per_worker=1, processes=True) as runner:
        start = time.perf_counter()
        runner.run(TINY_GRAPH, x=1)  # start the cluster outside the timings
        print(f"LocalCluster(2 workers) ready in {time.perf_counter() - start:.1f} s")
        bench_cpu(runner, args.cpu_items)
        quarter = max(args.tiny_items // 4, 1)
        bench_memory(runner, [quarter, args.tiny_items])


if __name__ == "__main__":
    main()
