"""The five overhead figures of the performance targets, each next to plain Python.

Run: ``python benchmarks/bench_overhead.py [--rounds N]``. Every workload is timed against the
same work written as plain Python in the same process, so the ratio column survives a busy
machine better than the absolute times. For each figure the best of N rounds is kept (other
load only ever adds time); a round repeats the operation until it has run at least ~50 ms.
Times are CPU time of this process (``time.process_time``), which other processes on the
machine distort less than wall time.

Figures (graph construction is not timed except in the last one; a warm-up run compiles and
caches each graph's plan first, as any long-lived program would):

1. a chain of 200 trivial nodes, one ``SyncRunner.run``;
2. a 3-node pipeline mapped over 10,000 items with ``SyncRunner.map``;
3. a loop of 2,000 turns driven by a route gate;
4. graphs nested three deep, five nodes per level (15 nodes), one run;
5. building a 1,000-node chain: ``@node`` on 1,000 functions plus ``Graph(...)``; the plain
   Python baseline creates the same 1,000 functions.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

# The 3-node pipeline is bench_map.py's (run as a script, this folder is on sys.path).
from bench_map import GRAPH as PIPELINE
from bench_map import plain_loop

from hypergraph import END, Graph, SyncRunner, node, route

MIN_ROUND = 0.05  # seconds: a round repeats the operation at least this long


def best_time(operation: Callable[[], Any], rounds: int) -> float:
    """Best CPU time of one call of ``operation`` over ``rounds`` rounds.

    The first call is the warm-up (it compiles the graph's plan); the round length is sized on
    the second, or a slow warm-up would leave one call per round, each timed cold right after
    ``gc.collect()``.
    """
    operation()
    start = time.process_time()
    operation()
    once = max(time.process_time() - start, 1e-7)
    repeat = max(1, int(MIN_ROUND / once))
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        start = time.process_time()
        for _ in range(repeat):
            operation()
        best = min(best, (time.process_time() - start) / repeat)
    return best


def _functions(count: int, prefix: str = "v") -> list[Callable[..., Any]]:
    """``count`` distinct functions ``n{i}({prefix}{i}) -> {prefix}{i} + 1`` built from source."""
    source = "".join(f"def n{i}({prefix}{i}):\n    return {prefix}{i} + 1\n" for i in range(count))
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    return [namespace[f"n{i}"] for i in range(count)]


def chain_graph(
    funcs: list[Callable[..., Any]], prefix: str = "v", name: str | None = None
) -> Graph:
    nodes = [node(output_name=f"{prefix}{i + 1}")(f) for i, f in enumerate(funcs)]
    return Graph(nodes, name=name)


# ---------------------------------------------------------------------- workloads
def chain_run(rounds: int) -> tuple[float, float]:
    funcs = _functions(200)
    graph = chain_graph(funcs)
    runner = SyncRunner()

    def library() -> Any:
        return runner.run(graph, {"v0": 0})

    names = [f"v{i + 1}" for i in range(len(funcs))]
    steps = list(zip(names, funcs))

    def plain() -> Any:
        value = 0
        values = {"v0": 0}
        for name, func in steps:
            value = values[name] = func(value)
        return values

    return best_time(library, rounds), best_time(plain, rounds)


def map_pipeline(rounds: int) -> tuple[float, float]:
    graph = PIPELINE
    runner = SyncRunner()
    items = list(range(10_000))

    def library() -> Any:
        return runner.map(graph, {"a": items}, map_over="a")

    def plain() -> Any:
        return plain_loop(items)

    return best_time(library, rounds), best_time(plain, rounds)


def route_loop(rounds: int) -> tuple[float, float]:
    turns = 2_000

    @node(output_name="count")
    def step(count: int) -> int:
        return count + 1

    @route(targets=["step", END])
    def keep_going(count: int) -> Any:
        return END if count >= turns else "step"

    graph = Graph([step, keep_going])
    runner = SyncRunner()

    def library() -> Any:
        return runner.run(graph, {"count": 0}, max_iterations=2 * turns + 10)

    step_func, gate_func = step.func, keep_going.func

    def plain() -> Any:
        count = 0
        while gate_func(count) is not END:
            count = step_func(count)
        return count

    return best_time(library, rounds), best_time(plain, rounds)


def nested(rounds: int) -> tuple[float, float]:
    levels, width = 3, 5
    all_funcs: list[Callable[..., Any]] = []
    inner: Graph | None = None
    for level in range(levels):
        prefix = f"l{level}_"
        funcs = _functions(width, prefix)
        all_funcs.extend(funcs)
        members: list[Any] = [node(output_name=f"{prefix}{i + 1}")(f) for i, f in enumerate(funcs)]
        if inner is not None:
            members.append(inner.as_node())
        inner = Graph(members, name=f"level{level}")
    assert inner is not None
    graph = Graph([inner.as_node()])
    values = {f"l{level}_0": 0 for level in range(levels)}
    runner = SyncRunner()

    def library() -> Any:
        return runner.run(graph, values)

    def plain() -> Any:
        out = {}
        for func in all_funcs:
            out[func.__name__] = func(0)
        return out

    return best_time(library, rounds), best_time(plain, rounds)


def build_chain(rounds: int) -> tuple[float, float]:
    def library() -> Any:
        return chain_graph(_functions(1_000))

    def plain() -> Any:
        return _functions(1_000)

    return best_time(library, rounds), best_time(plain, rounds)


WORKLOADS: list[tuple[str, Callable[[int], tuple[float, float]], str]] = [
    ("chain of 200 nodes, one run", chain_run, "us"),
    ("3-node pipeline, map 10,000", map_pipeline, "ms"),
    ("route loop, 2,000 turns", route_loop, "ms"),
    ("nested 3 deep (15 nodes)", nested, "us"),
    ("build a 1,000-node chain", build_chain, "ms"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds per figure")
    args = parser.parse_args()
    header = f"{'workload':<32}{'plain':>11}{'hypergraph':>13}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    for label, workload, unit in WORKLOADS:
        library, plain = workload(args.rounds)
        scale = 1e6 if unit == "us" else 1e3
        print(
            f"{label:<32}{plain * scale:>8.1f} {unit}{library * scale:>10.1f} {unit}"
            f"{library / plain:>7.1f}x"
        )


if __name__ == "__main__":
    main()
