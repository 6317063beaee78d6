"""``map_over`` items inside a durable run are child runs: a run that stops in the middle of a
nested map resumes with the finished items restored and runs only the rest."""

from __future__ import annotations

import pytest

from hypergraph import AsyncRunner, Graph, SyncRunner, node
from hypergraph.checkpointers import WorkflowStatus


def outer_graph(calls: list[int], fail_on: set[int], error_handling: str = "raise") -> Graph:
    @node(output_name="y")
    def square(x: int) -> int:
        calls.append(x)
        if x in fail_on:
            raise RuntimeError(f"item {x} failed")
        return x * x

    @node(output_name="total")
    def add(y: list[int | None]) -> int:
        return sum(v for v in y if v is not None)

    inner = Graph([square], name="inner").as_node()
    return Graph([inner.map_over("x", error_handling=error_handling), add], name="outer")


@pytest.mark.parametrize("durability", ["sync", "async"])
def test_resume_after_a_failed_item_runs_only_the_missing_items(
    make_checkpointer, durability
) -> None:
    checkpointer = make_checkpointer(durability=durability)
    calls: list[int] = []
    fail_on = {3}
    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError, match="item 3 failed"):
        runner.run(outer_graph(calls, fail_on), x=[1, 2, 3, 4, 5], workflow_id="wf")
    assert calls == [1, 2, 3]
    fail_on.clear()
    result = runner.run(outer_graph(calls, fail_on), workflow_id="wf")

    assert result["total"] == 55 and result["y"] == [1, 4, 9, 16, 25]
    assert calls == [1, 2, 3, 3, 4, 5]  # items 1 and 2 were restored
    items = [checkpointer.get_run(f"wf/inner@0/{i}") for i in range(5)]
    assert all(item.status is WorkflowStatus.COMPLETED for item in items)
    assert {item.parent_run_id for item in items} == {"wf/inner@0"}
    mapped = checkpointer.get_run("wf/inner@0")
    assert mapped.status is WorkflowStatus.COMPLETED and mapped.parent_run_id == "wf"
    assert (mapped.node_count, mapped.error_count) == (5, 0)
    assert [s.child_run_id for s in checkpointer.steps("wf") if s.node_name == "inner"] == [
        "wf/inner@0",
        "wf/inner@0",
    ]


async def test_async_resume_runs_every_finished_item_once(checkpointer) -> None:
    calls: list[int] = []
    fail_on = {4}
    runner = AsyncRunner(checkpointer=checkpointer)
    values = {"x": list(range(8))}
    with pytest.raises(RuntimeError, match="item 4 failed"):
        await runner.run(outer_graph(calls, fail_on), values, workflow_id="wf", max_concurrency=2)
    fail_on.clear()
    result = await runner.run(outer_graph(calls, fail_on), workflow_id="wf", max_concurrency=2)

    assert result["y"] == [x * x for x in range(8)]
    assert sorted(calls) == sorted([*range(8), 4])  # only the failed item ran twice


def test_continue_mode_records_a_partial_map_run_with_its_failed_item(checkpointer) -> None:
    calls: list[int] = []
    fail_on = {2}
    runner = SyncRunner(checkpointer=checkpointer)
    graph = outer_graph(calls, fail_on, error_handling="continue")

    @node(output_name="done")
    def check(total: int) -> int:
        raise RuntimeError("downstream not ready")

    with pytest.raises(RuntimeError, match="downstream"):
        runner.run(Graph([*graph.nodes.values(), check]), x=[1, 2, 3], workflow_id="wf")
    assert calls == [1, 2, 3]
    mapped = checkpointer.get_run("wf/inner@0")
    assert mapped.status is WorkflowStatus.PARTIAL
    assert (mapped.node_count, mapped.error_count) == (2, 1)
    assert checkpointer.get_run("wf/inner@0/1").status is WorkflowStatus.FAILED


def test_restored_items_are_reported_to_event_processors(checkpointer) -> None:
    from hypergraph.events import EventProcessor, NodeEndEvent

    class Ends(EventProcessor):
        def __init__(self) -> None:
            self.seen: list[tuple[str, bool]] = []

        def on_event(self, event) -> None:
            if isinstance(event, NodeEndEvent):
                self.seen.append((event.node_name, event.restored))

    calls: list[int] = []
    fail_on = {3}
    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError):
        runner.run(outer_graph(calls, fail_on), x=[1, 2, 3], workflow_id="wf")
    fail_on.clear()
    ends = Ends()
    runner.run(outer_graph(calls, fail_on), workflow_id="wf", event_processors=[ends])
    assert ends.seen == [
        ("square", True), ("square", True), ("square", False), ("inner", False), ("add", False)
    ]  # fmt: skip


def test_a_failed_item_is_named_in_the_stored_step_error(checkpointer) -> None:
    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError):
        runner.run(outer_graph([], {3}), x=[1, 2, 3, 4], workflow_id="wf")
    (failed,) = checkpointer.steps("wf")
    assert failed.node_name == "inner" and failed.status.value == "failed"
    assert failed.error == (
        "RuntimeError: item 3 failed (raised by node 'square' of graph 'inner'; map_over of "
        "node 'inner' failed at item index 2 of 4: x=3)"
    )
    (item_step,) = checkpointer.steps("wf/inner@0/2")
    assert item_step.error == "RuntimeError: item 3 failed"  # its own node: nothing to add
