"""Per-node cost of execution events: none, a no-op processor, and rich progress bars.

Run: ``python benchmarks/bench_events.py [--repeat N] [--items M]``. Two workloads, each under
``SyncRunner`` and ``AsyncRunner``:

- a linear chain of 1,000 trivial nodes (one ``run``);
- a ``map`` of one trivial node over M items (default 10,000).

Each is timed with no ``event_processors`` (no event is ever built), with a processor whose
``on_event`` does nothing (the cost of building and dispatching events), and with
``RichProgressProcessor`` drawing to a non-terminal console that writes to an in-memory file
(its plain-line mode, the one CI logs get). Prints the best of N rounds, microseconds per node
execution and the ratio to the run without processors.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import time
from collections.abc import Callable
from typing import Any

from hypergraph import AsyncRunner, EventProcessor, FunctionNode, Graph, SyncRunner, node


class NoOpProcessor(EventProcessor):
    """Receives every event and does nothing: measures building and dispatching alone."""

    def on_event(self, event: Any) -> None:
        pass


def rich_processor() -> Any:
    from rich.console import Console

    from hypergraph.events.rich_progress import RichProgressProcessor

    console = Console(file=io.StringIO(), force_terminal=False, width=100)
    return RichProgressProcessor(console=console)


PROCESSORS: dict[str, Callable[[], list[Any] | None]] = {
    "no processor": lambda: None,
    "no-op processor": lambda: [NoOpProcessor()],
    "RichProgressProcessor": lambda: [rich_processor()],
}


def chain_graph(size: int) -> Graph:
    """``v0 -> n0 -> v1 -> ...``: each node adds one."""
    nodes = []
    for i in range(size):
        namespace: dict[str, Any] = {}
        exec(f"def n{i}(v{i}):\n    return v{i} + 1\n", namespace)
        nodes.append(FunctionNode(namespace[f"n{i}"], output_name=f"v{i + 1}"))
    return Graph(nodes, name="chain")


@node(output_name="y")
def increment(x: int) -> int:
    return x + 1


MAP_GRAPH = Graph([increment], name="items")


def best_seconds(action: Callable[[], Any], repeat: int) -> float:
    action()  # warm-up: compiles and caches the plan
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def workloads(items: int) -> list[tuple[str, int, Callable[[list[Any] | None], Any]]]:
    """``(label, node executions, run(processors))`` for each workload and runner."""
    chain = chain_graph(1_000)
    values = list(range(items))
    sync_runner, async_runner = SyncRunner(), AsyncRunner()
    return [
        ("sync  chain 1,000", 1_000, lambda p: sync_runner.run(chain, v0=0, event_processors=p)),
        (
            "async chain 1,000",
            1_000,
            lambda p: asyncio.run(async_runner.run(chain, v0=0, event_processors=p)),
        ),
        (
            f"sync  map {items:,}",
            items,
            lambda p: sync_runner.map(MAP_GRAPH, {"x": values}, map_over="x", event_processors=p),
        ),
        (
            f"async map {items:,}",
            items,
            lambda p: asyncio.run(
                async_runner.map(
                    MAP_GRAPH, {"x": values}, map_over="x", max_concurrency=64, event_processors=p
                )
            ),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds per measurement")
    parser.add_argument("--items", type=int, default=10_000, help="items of the map workload")
    args = parser.parse_args()
    print(f"{'workload':<20}{'processors':<24}{'total ms':>10}{'us/node':>10}{'x none':>8}")
    for label, executions, run in workloads(args.items):
        baseline = None
        for name, make in PROCESSORS.items():
            seconds = best_seconds(lambda run=run, make=make: run(make()), args.repeat)
            baseline = baseline or seconds
            print(
                f"{label:<20}{name:<24}{seconds * 1e3:>10.1f}"
                f"{seconds / executions * 1e6:>10.2f}{seconds / baseline:>8.2f}"
            )


if __name__ == "__main__":
    main()
