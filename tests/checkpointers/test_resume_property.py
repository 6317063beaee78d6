"""Property: stopping a random graph at a random point and resuming it from its steps gives
the values of one uninterrupted run.

Random graphs are DAGs of function nodes, some closed into a loop and gated by a route; the run is stopped by a crash (a ``BaseException``, as when the process dies, so the
workflow stays active) on the k-th node execution, then resumed by a fresh runner.
"""

from __future__ import annotations

import inspect
from typing import Any

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from hypergraph import (
    END,
    FunctionNode,
    Graph,
    GraphConfigError,
    InfiniteLoopError,
    MemoryCheckpointer,
    MissingInputError,
    RouteNode,
    SyncRunner,
)


class Crash(BaseException):
    """The process dying in the middle of a node."""


class Budget:
    """Counts node executions; raises Crash on the one numbered ``crash_at``."""

    def __init__(self, crash_at: int | None) -> None:
        self.crash_at = crash_at
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if self.count == self.crash_at:
            raise Crash


def _function(index: int, params: list[str], budget: Budget) -> FunctionNode:
    def body(**kwargs: int) -> int:
        budget.tick()
        return (sum(kwargs.values()) * (index + 2) + 1) % 5

    body.__name__ = f"f{index}"
    body.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY) for p in params]
    )
    return FunctionNode(body, output_name=f"v{index}")


def _gate(params: list[str], targets: list[Any], budget: Budget) -> RouteNode:
    def decide(**kwargs: int) -> Any:
        budget.tick()
        return targets[sum(kwargs.values()) % len(targets)]

    decide.__name__ = "gate"
    decide.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY) for p in params]
    )
    return RouteNode(decide, targets=targets)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[tuple[Any, ...]], dict[str, int], int]:
    """A DAG of function nodes, optionally closed into a loop (the first node also reads the
    last one's output, supplied as the loop's entry value) and gated by a route to END."""
    n = draw(st.integers(2, 6))
    specs: list[tuple[Any, ...]] = []
    for i in range(n):
        pool = ["x"] + [f"v{j}" for j in range(i)]
        params = draw(st.lists(st.sampled_from(pool), unique=True, min_size=1, max_size=3))
        specs.append(("f", i, sorted(params)))
    supplied = {"x": draw(st.integers(0, 4))}
    if draw(st.booleans()):  # a loop: f0 reads the last output, which starts supplied
        last = f"v{n - 1}"
        specs[0] = ("f", 0, sorted({*specs[0][2], last}))
        supplied[last] = draw(st.integers(0, 4))
        if draw(st.booleans()):
            specs.append(("gate", [last], ["f0", END]))
    return specs, supplied, draw(st.integers(1, 30))


def build(specs: list[tuple[Any, ...]], budget: Budget) -> Graph:
    nodes: list[Any] = []
    for spec in specs:
        if spec[0] == "f":
            nodes.append(_function(spec[1], spec[2], budget))
        else:
            nodes.append(_gate(spec[1], spec[2], budget))
    return Graph(nodes)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(cases())
def test_interrupted_and_resumed_equals_uninterrupted(case: Any) -> None:
    specs, supplied, crash_at = case
    options = {"select": "**", "max_iterations": 40, "on_internal_override": "ignore"}
    try:
        expected = SyncRunner().run(build(specs, Budget(None)), dict(supplied), **options)
    except (InfiniteLoopError, MissingInputError, GraphConfigError, ValueError):
        assume(False)  # not a runnable case (no cycle entry, no END reached, ...)
    cp = MemoryCheckpointer(durability="sync")
    budget = Budget(crash_at)
    graph = build(specs, budget)
    try:
        first = SyncRunner(checkpointer=cp).run(graph, dict(supplied), workflow_id="p", **options)
    except Crash:
        event("stopped and resumed")
        budget.crash_at = None  # the new process does not crash
        resumed = SyncRunner(checkpointer=cp).run(graph, dict(supplied), workflow_id="p", **options)
        assert resumed.values == expected.values
        assert budget.count <= crash_at + (expected_runs(specs, supplied, options))
    else:
        assert first.values == expected.values


def expected_runs(specs: list[tuple[Any, ...]], supplied: dict[str, int], options: Any) -> int:
    """Node executions of one uninterrupted run (the resume may not do more than that)."""
    budget = Budget(None)
    SyncRunner().run(build(specs, budget), dict(supplied), **options)
    return budget.count
