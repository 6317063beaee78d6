"""Per-node overhead of ``SyncRunner.run`` next to calling the same functions by hand.

Run: ``python benchmarks/bench_sync_run.py [--repeat N]``. For each scenario it prints the best
total time of ``run()`` over N rounds, the time per executed node, and the ratio to a plain Python
loop calling the same functions in the same order. Graph construction is not timed; the first
run (which compiles and caches the plan) is a warm-up.

Scenarios: linear chains of 100, 200, 1,000 and 10,000 trivial nodes; a fan-out of 500 independent
nodes; a loop of 2,000 iterations driven by a route gate; a chain nested three graphs deep.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypergraph import END, FunctionNode, Graph, RouteNode, SyncRunner


@dataclass
class Scenario:
    """A graph to run, its inputs, how many node executions one run makes, and the baseline."""

    label: str
    graph: Graph
    values: dict[str, Any]
    executions: int
    direct: Callable[[], Any]
    max_iterations: int | None = None


def _function(name: str, params: list[str], body: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {}
    exec(f"def {name}({', '.join(params)}):\n    return {body}\n", namespace)
    return namespace[name]


def chain(size: int, prefix: str = "v") -> tuple[list[FunctionNode], list[Callable[..., Any]]]:
    """``v0 -> n0 -> v1 -> n1 -> ...``: each node adds one."""
    funcs = [_function(f"n{i}", [f"{prefix}{i}"], f"{prefix}{i} + 1") for i in range(size)]
    nodes = [FunctionNode(f, output_name=f"{prefix}{i + 1}") for i, f in enumerate(funcs)]
    return nodes, funcs


def chain_scenario(size: int) -> Scenario:
    nodes, funcs = chain(size)

    def direct() -> int:
        value = 0
        for func in funcs:
            value = func(value)
        return value

    return Scenario(f"chain of {size:,}", Graph(nodes), {"v0": 0}, size, direct)


def fan_out_scenario(size: int) -> Scenario:
    funcs = [_function(f"f{i}", ["x"], f"x + {i}") for i in range(size)]
    nodes = [FunctionNode(f, output_name=f"out{i}") for i, f in enumerate(funcs)]

    def direct() -> list[int]:
        return [func(1) for func in funcs]

    return Scenario(f"fan-out of {size}", Graph(nodes), {"x": 1}, size, direct)


def loop_scenario(turns: int) -> Scenario:
    def add_one(count: int) -> int:
        return count + 1

    def keep_going(count: int) -> Any:
        return END if count >= turns else "add_one"

    body = FunctionNode(add_one, output_name="count")
    gate = RouteNode(keep_going, targets=["add_one", END])

    def direct() -> int:
        count = 0
        while keep_going(count) is not END:
            count = add_one(count)
        return count

    # Gate and body alternate: about two supersteps per turn.
    return Scenario(
        f"route loop of {turns:,} turns",
        Graph([body, gate]),
        {"count": 0},
        2 * turns + 1,
        direct,
        max_iterations=2 * turns + 10,
    )


def nested_scenario(levels: int, width: int) -> Scenario:
    """A chain of ``width`` nodes at every level, plus the next level as a GraphNode."""
    all_funcs: list[Callable[..., Any]] = []
    inner: Graph | None = None
    for level in range(levels):
        prefix = f"l{level}_"
        nodes, funcs = chain(width, prefix)
        all_funcs.extend(funcs)
        members: list[Any] = list(nodes)
        if inner is not None:
            members.append(inner.as_node())
        inner = Graph(members, name=f"level{level}")
    assert inner is not None
    values = {f"l{level}_0": 0 for level in range(levels)}

    def direct() -> None:
        for func in all_funcs:
            func(0)

    return Scenario(
        f"{levels}-level nested ({width}/level)",
        Graph([inner.as_node()]),
        values,
        levels * width,
        direct,
    )


def best_of(operation: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``repeat`` rounds (noise only ever adds time)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timing rounds per scenario")
    args = parser.parse_args()
    scenarios = [
        chain_scenario(100),
        chain_scenario(200),  # the per-node overhead target: within 100x of direct calls
        chain_scenario(1_000),
        chain_scenario(10_000),
        fan_out_scenario(500),
        loop_scenario(2_000),
        nested_scenario(3, 50),
    ]
    runner = SyncRunner()
    header = f"{'scenario':<30}{'total ms':>10}{'us/node':>10}{'direct us':>11}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    for s in scenarios:

        def run(s: Scenario = s) -> None:
            runner.run(s.graph, s.values, max_iterations=s.max_iterations)

        run()  # warm-up: compiles and caches the plan
        total = best_of(run, args.repeat)
        direct = best_of(s.direct, args.repeat)
        per_node = total / s.executions * 1e6
        direct_per_node = direct / s.executions * 1e6
        print(
            f"{s.label:<30}{total * 1e3:>10.2f}{per_node:>10.2f}"
            f"{direct_per_node:>11.3f}{total / direct:>8.1f}"
        )


if __name__ == "__main__":
    main()
