"""Forks and retries take the source's unfinished nested work along: the child runs of a
GraphNode that paused or failed are copied into the new workflow, which continues them
without redoing finished nested steps and without writing into the source."""

from __future__ import annotations

import pytest

from hypergraph import AsyncRunner, Graph, SyncRunner, node
from hypergraph.checkpointers import StepStatus, WorkflowStatus

from .test_nested_maps import outer_graph
from .test_pauses import review_graph


def nested_chain(calls: list[str], fail: set[str]) -> Graph:
    @node(output_name="a")
    def prepare(x: int) -> int:
        calls.append("prepare")
        return x + 1

    @node(output_name="b")
    def call_model(a: int) -> int:
        calls.append("call_model")
        if "call_model" in fail:
            raise RuntimeError("model down")
        return a * 2

    @node(output_name="c")
    def report(b: int) -> int:
        calls.append("report")
        return b + 1

    inner = Graph([prepare, call_model], name="inner").as_node()
    return Graph([inner, report], name="outer")


def snapshot(checkpointer, run_id: str) -> list[tuple[str, str]]:
    return [(s.node_name, s.status.value) for s in checkpointer.steps(run_id)]


@pytest.mark.parametrize("durability", ["sync", "async", "exit"])
def test_retry_continues_the_failed_nested_graph(make_checkpointer, durability) -> None:
    options = {"retention": "latest"} if durability == "exit" else {}
    checkpointer = make_checkpointer(durability=durability, **options)
    calls: list[str] = []
    fail = {"call_model"}
    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError, match="model down"):
        runner.run(nested_chain(calls, fail), x=1, workflow_id="wf-1")
    source_inner = snapshot(checkpointer, "wf-1/inner@0")
    fail.clear()
    result = runner.run(nested_chain(calls, fail), retry_from="wf-1", workflow_id="wf-2")

    assert result["c"] == 5
    assert calls == ["prepare", "call_model", "call_model", "report"]  # prepare kept
    copy = checkpointer.get_run("wf-2/inner@0")
    assert copy.parent_run_id == "wf-2" and copy.status is WorkflowStatus.COMPLETED
    assert snapshot(checkpointer, "wf-1/inner@0") == source_inner  # the source is untouched
    assert checkpointer.get_run("wf-1/inner@0").status is WorkflowStatus.FAILED
    assert checkpointer.get_run("wf-2").retry_of == "wf-1"


def test_retry_of_a_failed_nested_map_runs_only_the_missing_items(checkpointer) -> None:
    calls: list[int] = []
    fail_on = {3}
    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError):
        runner.run(outer_graph(calls, fail_on), x=[1, 2, 3, 4], workflow_id="wf-1")
    fail_on.clear()
    result = runner.run(outer_graph(calls, fail_on), retry_from="wf-1", workflow_id="wf-2")
    assert result["total"] == 30
    assert calls == [1, 2, 3, 3, 4]
    assert [checkpointer.get_run(f"wf-2/inner@0/{i}").status.value for i in range(4)] == [
        "completed"
    ] * 4
    assert checkpointer.get_run("wf-1/inner@0/2").status is WorkflowStatus.FAILED  # untouched
    assert checkpointer.get_run("wf-1/inner@0/3") is None  # never ran in the source


async def test_fork_of_a_paused_nested_interrupt_answers_it_without_redoing_the_draft(
    checkpointer,
) -> None:
    calls: list[str] = []
    graph = Graph([review_graph(calls).as_node(name="inner")], name="outer")
    runner = AsyncRunner(checkpointer=checkpointer)
    paused = await runner.run(graph, topic="cats", workflow_id="wf-1")
    assert paused.pause.response_key == "inner.decision"
    source_inner = snapshot(checkpointer, "wf-1/inner@0")

    done = await runner.run(graph, {"inner.decision": "ok"}, fork_from="wf-1", workflow_id="wf-2")
    assert done["sent"] == "ok: about cats #1 (v1)"  # the draft written before the fork
    assert calls == ["write", "review", "send"]
    assert snapshot(checkpointer, "wf-1/inner@0") == source_inner
    assert checkpointer.get_run("wf-1").status is WorkflowStatus.PAUSED
    forked = checkpointer.steps("wf-2")
    assert [s.child_run_id for s in forked if s.node_name == "inner"][-1] == "wf-2/inner@0"
    assert checkpointer.get_run("wf-2/inner@0").status is WorkflowStatus.COMPLETED


def test_fork_with_new_inputs_runs_the_nested_graph_again(checkpointer) -> None:
    calls: list[str] = []
    fail = {"call_model"}
    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError):
        runner.run(nested_chain(calls, fail), x=1, workflow_id="wf-1")
    fail.clear()
    result = runner.run(nested_chain(calls, fail), {"x": 10}, fork_from="wf-1", workflow_id="wf-2")
    assert result["c"] == 23  # computed from the new x, not from the copied nested steps
    assert calls == ["prepare", "call_model", "prepare", "call_model", "report"]
    steps = checkpointer.steps("wf-2/inner@0")
    assert [s.status for s in steps] == [StepStatus.COMPLETED, StepStatus.COMPLETED]
