"""A workflow resumes where it stopped: finished nodes are restored, never run again."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hypergraph import END, Graph, SyncRunner, ifelse, node, route
from hypergraph.checkpointers import StepStatus, WorkflowStatus


class Flaky:
    """Side-effect log plus a switch that makes one node fail until it is turned off."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.broken = True


@pytest.fixture
def flaky() -> Flaky:
    return Flaky()


def chain(flaky: Flaky) -> Graph:
    @node(output_name="a")
    def first(x: int) -> int:
        flaky.calls.append("first")
        return x + 1

    @node(output_name="b")
    def second(a: int) -> int:
        flaky.calls.append("second")
        if flaky.broken:
            raise ConnectionError("service down")
        return a * 10

    @node(output_name="c")
    def third(b: int) -> int:
        flaky.calls.append("third")
        return b + 1

    return Graph([first, second, third], name="chain")


def test_rerun_after_a_failure_restores_finished_nodes(checkpointer, flaky) -> None:
    graph, runner = chain(flaky), SyncRunner(checkpointer=checkpointer)
    with pytest.raises(ConnectionError):
        runner.run(graph, x=1, workflow_id="wf-1")
    assert checkpointer.get_run("wf-1").status is WorkflowStatus.FAILED
    flaky.broken = False
    result = runner.run(graph, x=1, workflow_id="wf-1")  # the same script, run again
    assert result.values == {"a": 2, "b": 20, "c": 21}
    assert result.workflow_id == "wf-1"
    assert flaky.calls == ["first", "second", "second", "third"]
    assert checkpointer.get_run("wf-1").status is WorkflowStatus.COMPLETED


def test_resume_needs_no_inputs(checkpointer, flaky) -> None:
    graph, runner = chain(flaky), SyncRunner(checkpointer=checkpointer)
    with pytest.raises(ConnectionError):
        runner.run(graph, x=1, workflow_id="wf-1")
    flaky.broken = False
    assert SyncRunner(checkpointer=checkpointer).run(graph, workflow_id="wf-1")["c"] == 21
    assert flaky.calls.count("first") == 1


def test_steps_record_what_each_node_did(checkpointer, flaky) -> None:
    flaky.broken = False
    SyncRunner(checkpointer=checkpointer).run(chain(flaky), x=1, workflow_id="wf-1")
    steps = checkpointer.steps("wf-1")
    assert [(s.superstep, s.node_name, s.index, s.status) for s in steps] == [
        (0, "first", 0, StepStatus.COMPLETED),
        (1, "second", 1, StepStatus.COMPLETED),
        (2, "third", 2, StepStatus.COMPLETED),
    ]
    assert steps[1].input_versions == {"a": 1}
    assert steps[1].values == {"b": 20}
    assert steps[1].node_type == "function" and steps[1].duration_ms >= 0
    assert checkpointer.state("wf-1") == {"x": 1, "a": 2, "b": 20, "c": 21}
    run = checkpointer.get_run("wf-1")
    assert run.graph_name == "chain" and run.node_count == 3 and run.error_count == 0
    assert {"graph_struct_hash", "graph_code_hash"} <= set(run.config)
    assert run.completed_at is not None and run.completed_at >= run.created_at


def test_a_failed_step_is_recorded_with_its_error(checkpointer, flaky) -> None:
    with pytest.raises(ConnectionError):
        SyncRunner(checkpointer=checkpointer).run(chain(flaky), x=1, workflow_id="wf-1")
    failed = checkpointer.steps("wf-1")[-1]
    assert (failed.node_name, failed.status) == ("second", StepStatus.FAILED)
    assert failed.error == "ConnectionError: service down"
    assert checkpointer.get_run("wf-1").error_count == 1


def test_continue_mode_records_a_failed_run_and_resumes_it(checkpointer, flaky) -> None:
    graph, runner = chain(flaky), SyncRunner(checkpointer=checkpointer)
    failed = runner.run(graph, x=1, workflow_id="wf-1", error_handling="continue")
    assert failed.status == "failed" and failed.workflow_id == "wf-1"
    flaky.broken = False
    assert runner.run(graph, workflow_id="wf-1")["c"] == 21
    assert flaky.calls.count("first") == 1


def test_a_workflow_id_is_generated_when_none_is_given(checkpointer, flaky) -> None:
    flaky.broken = False
    result = SyncRunner(checkpointer=checkpointer).run(chain(flaky), x=1)
    assert result.workflow_id.startswith("run-")
    assert checkpointer.get_run(result.workflow_id).status is WorkflowStatus.COMPLETED


def test_workflow_options_need_a_checkpointer(flaky) -> None:
    with pytest.raises(ValueError, match="workflow_id need\\(s\\) a checkpointer"):
        SyncRunner().run(chain(flaky), x=1, workflow_id="wf-1")
    assert flaky.calls == []


def test_runner_refuses_something_that_is_not_a_checkpointer() -> None:
    with pytest.raises(TypeError, match="checkpointer must be a Checkpointer"):
        SyncRunner(checkpointer="runs.db")  # type: ignore[arg-type]


def loop_graph(calls: list[str], fail_at: list[int]) -> Graph:
    @node(output_name="count")
    def step(count: int) -> int:
        calls.append(f"step{count}")
        if count in fail_at:
            fail_at.remove(count)
            raise RuntimeError(f"flaky at {count}")
        return count + 1

    @route(targets=["step", END])
    def again(count: int) -> object:
        return "step" if count < 5 else END

    return Graph([step, again], name="loop")


def test_a_loop_resumes_at_the_iteration_that_failed(checkpointer) -> None:
    calls: list[str] = []
    graph = loop_graph(calls, fail_at=[3])
    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError, match="flaky at 3"):
        runner.run(graph, count=0, workflow_id="loop-1")
    result = runner.run(graph, count=0, workflow_id="loop-1")
    assert result["count"] == 5
    assert calls == ["step0", "step1", "step2", "step3", "step3", "step4"]
    decisions = [s.decision for s in checkpointer.steps("loop-1") if s.node_name == "again"]
    assert decisions == [["step"]] * 5 + [["END"]]  # counts 0-4, then 5


def test_a_branch_decision_is_restored_not_taken_again(checkpointer) -> None:
    calls: list[str] = []
    broken = [True]

    @ifelse(when_true="big", when_false="small")
    def is_big(x: int) -> bool:
        calls.append("is_big")
        return x > 10

    @node(output_name="label")
    def big(x: int) -> str:
        calls.append("big")
        if broken:
            broken.clear()
            raise RuntimeError("once")
        return "big"

    @node(output_name="label")
    def small(x: int) -> str:
        calls.append("small")
        return "small"

    graph, runner = Graph([is_big, big, small]), SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError):
        runner.run(graph, x=50, workflow_id="b-1")
    assert runner.run(graph, x=50, workflow_id="b-1")["label"] == "big"
    assert calls == ["is_big", "big", "big"]


def test_nodes_inside_a_graph_node_are_not_run_again(checkpointer) -> None:
    calls: list[str] = []
    broken = [True]

    @node(output_name="y")
    def inner_first(x: int) -> int:
        calls.append("inner_first")
        return x + 1

    @node(output_name="z")
    def inner_second(y: int) -> int:
        calls.append("inner_second")
        if broken:
            broken.clear()
            raise RuntimeError("once")
        return y * 2

    inner = Graph([inner_first, inner_second], name="inner").as_node()

    @node(output_name="out")
    def after(z: int) -> int:
        return z + 100

    graph, runner = Graph([inner, after]), SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError):
        runner.run(graph, x=1, workflow_id="n-1")
    assert runner.run(graph, x=1, workflow_id="n-1").values == {"y": 2, "z": 4, "out": 104}
    assert calls == ["inner_first", "inner_second", "inner_second"]
    outer = checkpointer.steps("n-1")
    child = outer[0].child_run_id
    assert outer[0].node_name == "inner" and child is not None
    assert checkpointer.get_run(child).parent_run_id == "n-1"
    assert [s.node_name for s in checkpointer.steps(child)] == [
        "inner_first", "inner_second", "inner_second",
    ]  # fmt: skip


@dataclass
class Draft:
    title: str
    words: tuple[str, ...]


def test_annotated_outputs_come_back_as_their_types(checkpointer) -> None:
    seen: list[object] = []
    broken = [True]

    @node(output_name="draft")
    def write(topic: str) -> Draft:
        return Draft(topic.title(), tuple(topic.split()))

    @node(output_name="pair")
    def measure(draft: Draft) -> tuple[int, int]:
        return len(draft.title), len(draft.words)

    @node(output_name="report")
    def report(draft: Draft, pair: tuple[int, int]) -> str:
        seen.append((draft, pair))
        if broken:
            broken.clear()
            raise RuntimeError("once")
        return f"{draft.title}: {pair}"

    graph, runner = Graph([write, measure, report]), SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError):
        runner.run(graph, topic="big cats", workflow_id="d-1")
    assert runner.run(graph, topic="big cats", workflow_id="d-1")["report"] == "Big Cats: (8, 2)"
    assert seen[1] == seen[0] == (Draft("Big Cats", ("big", "cats")), (8, 2))
    assert isinstance(seen[1][0], Draft) and isinstance(seen[1][1], tuple)
