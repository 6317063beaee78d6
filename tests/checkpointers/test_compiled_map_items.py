"""A durable ``SyncRunner.map`` of a plain DAG runs its items compiled under ``"async"``
durability, and so does a durable ``AsyncRunner.map`` of a chain (every superstep one node);
what they store must be what the general run loop stores.

The general path is the same map observed by an event processor (events keep every run on the
run loop). Times differ by nature (a compiled item's supersteps share its wall time), so they
are compared for consistency only.
"""

from __future__ import annotations

import asyncio

import pytest

from hypergraph import AsyncRunner, Graph, SyncRunner, node
from hypergraph.checkpointers import StepStatus, WorkflowStatus
from hypergraph.events import EventProcessor

TIMES = ("duration_ms", "created_at", "completed_at")
FAST, OBSERVED = "b", "c"  # the workflow ids of the two maps (one store may hold both)


def diamond(fail_on: set[int], chain: bool = False) -> Graph:
    """Two nodes in the first superstep (one fails for the items in ``fail_on``), a node with
    two outputs, and one reading both branches. ``chain``: the failing node reads the first
    one's output, so every superstep is one node (what ``AsyncRunner`` runs compiled)."""

    @node(output_name="left")
    def grow(x: int) -> int:
        return x + 1

    @node(output_name="right")
    def check(x: int) -> int:
        if x in fail_on:
            raise ValueError(f"bad item {x}")
        return x * 10

    @node(output_name="right")
    def check_after(left: int) -> int:
        if left - 1 in fail_on:
            raise ValueError(f"bad item {left - 1}")
        return (left - 1) * 10

    @node(output_name=("low", "high"))
    def split(left: int, right: int) -> tuple[int, int]:
        return min(left, right), max(left, right)

    @node(output_name="label")
    def name_it(low: int, high: int, suffix: str = "!") -> str:
        return f"{low}-{high}{suffix}"

    return Graph([grow, check_after if chain else check, split, name_it], name="diamond")


RUNNERS = ["sync", "async"]


def run_map(kind: str, checkpointer, graph: Graph, items: list[int], **options) -> list:
    """``SyncRunner.map`` or ``AsyncRunner.map`` (awaited) of ``graph`` over ``x=items``; an
    ``AsyncRunner`` maps the chain variant of the diamond (see :func:`diamond`)."""
    if kind == "sync":
        return SyncRunner(checkpointer=checkpointer).map(graph, x=items, map_over="x", **options)
    runner = AsyncRunner(checkpointer=checkpointer)
    return asyncio.run(runner.map(graph, x=items, map_over="x", **options))


def graph_for(kind: str, fail_on: set[int]) -> Graph:
    return diamond(fail_on, chain=kind == "async")


def check_name(kind: str) -> str:
    return "check_after" if kind == "async" else "check"


def stored(checkpointer, workflow_id: str, count: int) -> tuple[list, list]:
    """Each item's run and steps, times and the workflow id left out."""
    runs, steps = [], []
    for i in range(count):
        run = checkpointer.get_run(f"{workflow_id}/{i}")
        runs.append(
            (
                run.status,
                run.node_count,
                run.error_count,
                run.parent_run_id == workflow_id,
                run.graph_name,
                run.config,
                run.completed_at is not None,
            )  # fmt: skip
        )
        for step in checkpointer.steps(f"{workflow_id}/{i}"):
            assert step.run_id == f"{workflow_id}/{i}"
            fields = {k: v for k, v in vars(step).items() if k not in TIMES and k != "run_id"}
            steps.append(fields)
    return runs, steps


def map_twice(kind: str, make_checkpointer, graph: Graph, items: list[int], **options) -> tuple:
    """The map's records without observers (compiled items) and observed (the run loop)."""
    plain = make_checkpointer(durability="async")
    observed = make_checkpointer(durability="async")
    fast = run_map(kind, plain, graph, items, workflow_id=FAST, **options)
    slow = run_map(
        kind, observed, graph, items, workflow_id=OBSERVED, event_processors=[EventProcessor()],
        **options,
    )  # fmt: skip
    return plain, observed, fast, slow


@pytest.fixture
def compiled_runs(monkeypatch) -> list[int]:
    """The indexes of the items run by the compiled function (CompiledItems.run)."""
    from hypergraph.runners.durable.compiled_items import CompiledItems

    seen: list[int] = []
    learn = CompiledItems.learn

    def learn_then_count(self, rows):
        learn(self, rows)  # items run compiled from here on, by self.run
        run = self.run

        def counted(index, values):
            seen.append(index)
            return run(index, values)

        self.run = counted

    monkeypatch.setattr(CompiledItems, "learn", learn_then_count)
    return seen


@pytest.mark.parametrize("kind", RUNNERS)
def test_compiled_items_store_the_steps_the_run_loop_stores(
    kind: str, make_checkpointer, compiled_runs: list[int]
) -> None:
    items = list(range(6))
    plain, observed, fast, slow = map_twice(kind, make_checkpointer, graph_for(kind, set()), items)
    assert compiled_runs == items[1:]  # the first item taught the rows, the rest ran compiled
    assert (
        [r["label"] for r in fast]
        == [r["label"] for r in slow]
        == [f"{x + 1}-{x * 10}!" if x + 1 < x * 10 else f"{x * 10}-{x + 1}!" for x in items]
    )
    assert [r.workflow_id for r in fast] == [f"b/{i}" for i in items]
    assert stored(plain, FAST, 6) == stored(observed, OBSERVED, 6)
    runs, steps = stored(plain, "b", 6)
    assert len(steps) == 6 * 4 and all(run[0] is WorkflowStatus.COMPLETED for run in runs)
    assert plain.get_run("b").status is WorkflowStatus.COMPLETED
    assert plain.get_run("b").node_count == 6


@pytest.mark.parametrize("kind", RUNNERS)
def test_compiled_items_record_a_failure_as_the_run_loop_does(
    kind: str, make_checkpointer, compiled_runs: list[int]
) -> None:
    items = list(range(5))
    plain, observed, fast, slow = map_twice(
        kind, make_checkpointer, graph_for(kind, {2, 4}), items, error_handling="continue"
    )
    assert compiled_runs == items[1:]
    assert [r.status.value for r in fast] == [r.status.value for r in slow]
    assert [r.status.value for r in fast] == ["completed"] * 2 + ["failed", "completed", "failed"]
    assert str(fast[4].error) == str(slow[4].error) == "bad item 4"
    assert dict(fast[4].values) == dict(slow[4].values)
    assert stored(plain, FAST, 5) == stored(observed, OBSERVED, 5)
    failed = plain.steps("b/4")
    assert [(s.node_name, s.status) for s in failed] == [
        ("grow", StepStatus.COMPLETED),
        (check_name(kind), StepStatus.FAILED),
    ]
    assert failed[1].error == "ValueError: bad item 4"
    assert plain.get_run("b").status is WorkflowStatus.PARTIAL


def test_async_map_of_a_superstep_with_two_nodes_stays_on_the_run_loop(
    make_checkpointer, compiled_runs: list[int]
) -> None:
    """AsyncRunner runs a whole superstep before looking at failures; the compiled function
    stops at the first one, so a graph with two nodes in one superstep is not compiled."""
    plain, observed, fast, slow = map_twice(
        "async", make_checkpointer, diamond({2}), list(range(4)), error_handling="continue"
    )
    assert compiled_runs == []
    assert stored(plain, FAST, 4) == stored(observed, OBSERVED, 4)
    assert [s.node_name for s in plain.steps("b/2")] == ["grow", "check"]


@pytest.mark.parametrize("kind", RUNNERS)
def test_a_compiled_item_that_raises_stops_the_map_and_is_run_again(
    kind: str, make_checkpointer
) -> None:
    fail_on = {3}
    checkpointer = make_checkpointer(durability="async")
    observed = make_checkpointer(durability="async")
    graph = graph_for(kind, fail_on)
    with pytest.raises(ValueError, match="bad item 3") as raised:
        run_map(kind, checkpointer, graph, list(range(5)), workflow_id="b")
    assert any(check_name(kind) in note for note in raised.value.__notes__)
    with pytest.raises(ValueError, match="bad item 3"):
        run_map(kind, observed, graph, list(range(5)), workflow_id="b",
                event_processors=[EventProcessor()])  # fmt: skip
    assert stored(checkpointer, "b", 4) == stored(observed, "b", 4)
    assert checkpointer.get_run("b/3").status is WorkflowStatus.FAILED
    # Both runners stop at the failure: no item after it was started.
    assert checkpointer.get_run("b/4") is None and observed.get_run("b/4") is None
    fail_on.clear()
    again = run_map(kind, checkpointer, graph, list(range(5)), workflow_id="b")
    assert [r.restored for r in again] == [True, True, True, False, False]
    assert checkpointer.get_run("b").status is WorkflowStatus.COMPLETED


@pytest.mark.parametrize("kind", RUNNERS)
def test_compiled_item_steps_share_the_item_time_in_order(kind: str, make_checkpointer) -> None:
    checkpointer = make_checkpointer(durability="async")
    run_map(kind, checkpointer, graph_for(kind, set()), [1, 2, 3], workflow_id="b")
    for i in range(3):
        run = checkpointer.get_run(f"b/{i}")
        steps = checkpointer.steps(f"b/{i}")
        assert run.created_at <= steps[0].created_at
        assert steps[-1].completed_at <= run.completed_at
        for before, after in zip(steps, steps[1:]):
            assert before.created_at <= after.created_at
            assert before.completed_at <= after.completed_at
        assert all(s.duration_ms >= 0 and s.created_at <= s.completed_at for s in steps)


@pytest.mark.parametrize("kind", RUNNERS)
def test_an_output_the_serializer_cannot_store_fails_the_item_by_name(
    kind: str, make_checkpointer
) -> None:
    @node(output_name="y")
    def wrap(x: int) -> object:
        return object() if x == 2 else x

    checkpointer = make_checkpointer(durability="async")
    with pytest.raises(TypeError, match="Node 'wrap' returned output 'y'"):
        run_map(kind, checkpointer, Graph([wrap], name="wrap"), [0, 1, 2], workflow_id="b")
    assert checkpointer.get_run("b/2").status is WorkflowStatus.FAILED
    assert checkpointer.steps("b/2") == []
    assert [s.values for s in checkpointer.steps("b/1")] == [{"y": 1}]
