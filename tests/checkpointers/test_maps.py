"""A durable map records each item as a child run and, run again, only runs what is left."""

from __future__ import annotations

import pytest

from hypergraph import AsyncRunner, Graph, SyncRunner, node
from hypergraph.checkpointers import WorkflowStatus


def squares(calls: list[int], fail_on: set[int]) -> Graph:
    @node(output_name="y")
    def square(x: int) -> int:
        calls.append(x)
        if x in fail_on:
            raise ValueError(f"bad item {x}")
        return x * x

    return Graph([square], name="squares")


@pytest.mark.parametrize("durability", ["sync", "async"])
def test_rerunning_a_map_restores_finished_items(make_checkpointer, durability) -> None:
    checkpointer = make_checkpointer(durability=durability)
    calls: list[int] = []
    fail_on = {3}
    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(ValueError, match="bad item 3"):
        runner.map(squares(calls, fail_on), x=[1, 2, 3, 4], map_over="x", workflow_id="batch-7")
    assert checkpointer.get_run("batch-7").status is WorkflowStatus.FAILED
    assert checkpointer.get_run("batch-7/1").status is WorkflowStatus.COMPLETED
    fail_on.clear()
    results = runner.map(
        squares(calls, fail_on), x=[1, 2, 3, 4], map_over="x", workflow_id="batch-7"
    )
    assert [r["y"] for r in results] == [1, 4, 9, 16]
    assert [r.restored for r in results] == [True, True, False, False]
    assert [r.workflow_id for r in results] == [f"batch-7/{i}" for i in range(4)]
    assert calls == [1, 2, 3, 3, 4]
    assert checkpointer.get_run("batch-7").status is WorkflowStatus.COMPLETED
    assert checkpointer.get_run("batch-7/2").parent_run_id == "batch-7"
    assert checkpointer.runs() and all(r.parent_run_id is None for r in checkpointer.runs())


def test_a_map_that_raised_counts_its_finished_and_failed_items(checkpointer) -> None:
    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(ValueError):
        runner.map(squares([], {3}), x=[1, 2, 3, 4], map_over="x", workflow_id="b")
    run = checkpointer.get_run("b")
    assert run.status is WorkflowStatus.FAILED
    assert (run.node_count, run.error_count) == (2, 1)


def test_continue_mode_leaves_a_partial_map_to_finish_later(checkpointer) -> None:
    calls: list[int] = []
    fail_on = {2}
    runner = SyncRunner(checkpointer=checkpointer)
    graph = squares(calls, fail_on)
    first = runner.map(graph, x=[1, 2, 3], map_over="x", workflow_id="b", error_handling="continue")
    assert [r.status.value for r in first] == ["completed", "failed", "completed"]
    assert checkpointer.get_run("b").status is WorkflowStatus.PARTIAL
    fail_on.clear()
    second = runner.map(graph, x=[1, 2, 3], map_over="x", workflow_id="b")
    assert [r["y"] for r in second] == [1, 4, 9]
    assert calls == [1, 2, 3, 2]


async def test_async_map_restores_finished_items_in_input_order(checkpointer) -> None:
    calls: list[int] = []
    fail_on = {5}
    runner = AsyncRunner(checkpointer=checkpointer)
    items = list(range(8))
    with pytest.raises(ValueError):
        await runner.map(
            squares(calls, fail_on), x=items, map_over="x", workflow_id="m", max_concurrency=1
        )
    fail_on.clear()
    calls.clear()
    results = await runner.map(squares(calls, fail_on), x=items, map_over="x", workflow_id="m")
    assert [r["y"] for r in results] == [x * x for x in items]
    assert sorted(calls) == [5, 6, 7]
    assert [r.restored for r in results] == [x < 5 for x in items]


def test_a_map_with_other_inputs_is_refused(checkpointer) -> None:
    from hypergraph import InputOverrideRequiresForkError

    runner = SyncRunner(checkpointer=checkpointer)
    runner.map(
        squares([], set()), x=[1, 2], map_over="x", workflow_id="b", error_handling="continue"
    )
    checkpointer_run = checkpointer.get_run("b")
    assert checkpointer_run.status is WorkflowStatus.COMPLETED
    with pytest.raises(InputOverrideRequiresForkError):
        runner.map(squares([], set()), x=[1, 2, 3], map_over="x", workflow_id="b")


def test_a_map_run_records_how_long_it_took_across_resumes(checkpointer) -> None:
    import time

    fail_on = {3}

    @node(output_name="y")
    def slow(x: int) -> int:
        time.sleep(0.02)
        if x in fail_on:
            raise ValueError(f"bad item {x}")
        return x

    graph = Graph([slow], name="slow")
    runner = SyncRunner(checkpointer=checkpointer)
    runner.map(graph, x=[1, 2, 3], map_over="x", workflow_id="b", error_handling="continue")
    first = checkpointer.get_run("b").duration_ms
    assert first >= 60.0  # three items, one after another, each sleeping 20 ms
    fail_on.clear()
    runner.map(graph, x=[1, 2, 3], map_over="x", workflow_id="b")
    assert checkpointer.get_run("b").duration_ms >= first + 20.0  # the resumed item is added
