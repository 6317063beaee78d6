"""Every refusal of a durable run happens before any node runs, and says how to fix it."""

from __future__ import annotations

import datetime

import pytest

from hypergraph import (
    Graph,
    GraphChangedError,
    InputOverrideRequiresForkError,
    SyncRunner,
    WorkflowAlreadyCompletedError,
    WorkflowBusyError,
    node,
)
from hypergraph.checkpointers import PickleSerializer, WorkflowStatus
from hypergraph.checkpointers.base import new_owner


def counted(calls: list[str]) -> Graph:
    @node(output_name="a")
    def first(x: int) -> int:
        calls.append("first")
        return x + 1

    @node(output_name="b")
    def second(a: int) -> int:
        calls.append("second")
        return a * 2

    return Graph([first, second], name="counted")


def test_a_changed_graph_is_refused(checkpointer) -> None:
    calls: list[str] = []
    runner = SyncRunner(checkpointer=checkpointer)
    runner.run(counted(calls), x=1, workflow_id="wf-1", select=["a"])
    checkpointer._write(_status(checkpointer, "wf-1", "failed"), None)

    @node(output_name="c")
    def third(b: int) -> int:
        return b

    changed = Graph([*counted(calls).nodes.values(), third])
    calls.clear()
    with pytest.raises(GraphChangedError, match="'wf-1' was recorded with a graph of a diff"):
        runner.run(changed, workflow_id="wf-1")
    assert calls == []


def test_other_inputs_for_an_existing_workflow_suggest_a_fork(checkpointer) -> None:
    calls: list[str] = []
    runner = SyncRunner(checkpointer=checkpointer)
    runner.run(counted(calls), x=1, workflow_id="wf-1")
    calls.clear()
    # the override check comes before the "already completed" one
    with pytest.raises(InputOverrideRequiresForkError, match="fork_from='wf-1'") as info:
        runner.run(counted(calls), x=2, workflow_id="wf-1")
    assert info.value.names == ["x"]
    assert calls == []


def test_a_completed_workflow_says_how_to_read_its_result(checkpointer) -> None:
    calls: list[str] = []
    runner = SyncRunner(checkpointer=checkpointer)
    runner.run(counted(calls), x=1, workflow_id="wf-1")
    with pytest.raises(WorkflowAlreadyCompletedError, match="checkpointer.state\\('wf-1'\\)"):
        runner.run(counted(calls), x=1, workflow_id="wf-1")
    assert calls == ["first", "second"]


def test_a_completed_map_points_at_its_item_runs(checkpointer) -> None:
    from .test_maps import squares

    runner = SyncRunner(checkpointer=checkpointer)
    runner.map(squares([], set()), x=[1, 2, 3], map_over="x", workflow_id="batch")
    with pytest.raises(WorkflowAlreadyCompletedError) as info:
        runner.map(squares([], set()), x=[1, 2, 3], map_over="x", workflow_id="batch")
    assert "map of 3 items" in str(info.value)
    assert "checkpointer.state('batch/0')" in str(info.value)
    assert info.value.items == 3
    assert checkpointer.state("batch/0")["y"] == 1  # where the message says to look


def test_override_workflow_starts_over(checkpointer) -> None:
    calls: list[str] = []
    runner = SyncRunner(checkpointer=checkpointer)
    runner.run(counted(calls), x=1, workflow_id="wf-1")
    result = runner.run(counted(calls), x=5, workflow_id="wf-1", override_workflow=True)
    assert result["b"] == 12
    assert calls == ["first", "second"] * 2
    assert checkpointer.inputs("wf-1") == {"x": 5}
    assert len(checkpointer.steps("wf-1")) == 2


def test_override_workflow_runs_nested_graphs_and_maps_afresh(make_checkpointer) -> None:
    """The old workflow is gone before a nested run looks for what it ran before."""
    calls: list[int] = []

    @node(output_name="y")
    def square(x: int) -> int:
        calls.append(x)
        return x * x

    outer = Graph([Graph([square], name="inner").as_node(name="each").map_over("x")])
    for durability in ("sync", "async"):
        checkpointer = make_checkpointer(durability=durability)
        runner = SyncRunner(checkpointer=checkpointer)
        workflow = f"wf-{durability}"
        runner.run(outer, x=[1, 2, 3], workflow_id=workflow)
        calls.clear()
        result = runner.run(outer, x=[4, 5], workflow_id=workflow, override_workflow=True)
        assert result["y"] == [16, 25] and calls == [4, 5]
        (child,) = [s.child_run_id for s in checkpointer.steps(workflow)]
        assert checkpointer.get_run(child).status is WorkflowStatus.COMPLETED
        assert [checkpointer.state(f"{child}/{i}")["y"] for i in range(2)] == [16, 25]
        assert checkpointer.get_run(f"{child}/2") is None


def test_a_workflow_running_elsewhere_is_refused(checkpointer) -> None:
    calls: list[str] = []
    other = checkpointer.acquire_lease("wf-1", new_owner())  # another run holds it now
    with pytest.raises(WorkflowBusyError, match="'wf-1' is being run by"):
        SyncRunner(checkpointer=checkpointer).run(counted(calls), x=1, workflow_id="wf-1")
    assert calls == [] and checkpointer.get_run("wf-1") is None
    checkpointer.release_lease(other)
    SyncRunner(checkpointer=checkpointer).run(counted(calls), x=1, workflow_id="wf-1")


def test_an_input_the_serializer_cannot_store_is_refused_by_name(checkpointer) -> None:
    calls: list[str] = []

    @node(output_name="day")
    def weekday(when: datetime.date) -> int:
        calls.append("weekday")
        return when.weekday()

    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(TypeError, match="Input 'when' \\(date\\) of workflow 'wf-1' cannot be"):
        runner.run(Graph([weekday]), when=datetime.date(2024, 1, 1), workflow_id="wf-1")
    assert calls == [] and checkpointer.get_run("wf-1") is None


def test_an_output_the_serializer_cannot_store_names_node_output_and_fix(checkpointer) -> None:
    @node(output_name="when")
    def today(x: int) -> datetime.date:
        return datetime.date(2024, 1, x)

    with pytest.raises(TypeError, match="Node 'today' returned output 'when' \\(date\\)") as info:
        SyncRunner(checkpointer=checkpointer).run(Graph([today]), x=1, workflow_id="wf-1")
    assert "lossy=True" in str(info.value) and "PickleSerializer(allow_pickle=True)" in str(
        info.value
    )
    assert checkpointer.get_run("wf-1").status is WorkflowStatus.FAILED


def test_pickle_serializer_stores_what_json_cannot(make_checkpointer) -> None:
    cp = make_checkpointer(durability="sync", serializer=PickleSerializer(allow_pickle=True))

    @node(output_name="when")
    def today(x: int) -> datetime.date:
        return datetime.date(2024, 1, x)

    SyncRunner(checkpointer=cp).run(Graph([today]), x=3, workflow_id="wf-1")
    assert cp.state("wf-1") == {"x": 3, "when": datetime.date(2024, 1, 3)}


def test_fork_from_starts_a_new_workflow_with_overridden_inputs(checkpointer) -> None:
    calls: list[str] = []

    @node(output_name="a")
    def first(x: int) -> int:
        calls.append("first")
        return x + 1

    @node(output_name="b")
    def second(a: int, y: int) -> int:
        calls.append("second")
        return a * y

    graph, runner = Graph([first, second]), SyncRunner(checkpointer=checkpointer)
    runner.run(graph, x=1, y=10, workflow_id="wf-1")
    calls.clear()
    forked = runner.run(graph, {"y": 100}, fork_from="wf-1", workflow_id="wf-2")
    assert forked.values == {"a": 2, "b": 200}
    assert calls == ["second"]  # "first" does not read y: restored from wf-1
    run = checkpointer.get_run("wf-2")
    assert run.forked_from == "wf-1" and run.fork_superstep == 1
    assert checkpointer.get_run("wf-1").status is WorkflowStatus.COMPLETED  # untouched


def test_a_checkpoint_object_starts_a_fork(checkpointer) -> None:
    calls: list[str] = []
    runner = SyncRunner(checkpointer=checkpointer)
    runner.run(counted(calls), x=1, workflow_id="wf-1")
    at_first = checkpointer.checkpoint("wf-1", superstep=0)
    assert at_first.values == {"x": 1, "a": 2}
    calls.clear()
    result = runner.run(counted(calls), checkpoint=at_first, workflow_id="wf-2")
    assert result["b"] == 4 and calls == ["second"]


def test_retry_from_reruns_a_failed_workflow_from_its_last_good_step(checkpointer) -> None:
    calls: list[str] = []
    broken = [True]

    @node(output_name="a")
    def first(x: int) -> int:
        calls.append("first")
        return x + 1

    @node(output_name="b")
    def second(a: int) -> int:
        calls.append("second")
        if broken:
            raise TimeoutError("slow service")
        return a * 2

    graph, runner = Graph([first, second]), SyncRunner(checkpointer=checkpointer)
    with pytest.raises(TimeoutError):
        runner.run(graph, x=1, workflow_id="wf-1")
    broken.clear()
    result = runner.run(graph, retry_from="wf-1", workflow_id="wf-1-retry")
    assert result["b"] == 4 and calls == ["first", "second", "second"]
    run = checkpointer.get_run("wf-1-retry")
    assert (run.retry_of, run.retry_index) == ("wf-1", 1)
    assert checkpointer.get_run("wf-1").status is WorkflowStatus.FAILED


def test_retrying_a_completed_workflow_is_refused(checkpointer) -> None:
    runner = SyncRunner(checkpointer=checkpointer)
    runner.run(counted([]), x=1, workflow_id="wf-1")
    with pytest.raises(WorkflowAlreadyCompletedError):
        runner.run(counted([]), retry_from="wf-1")


def test_only_one_starting_point_at_a_time(checkpointer) -> None:
    with pytest.raises(ValueError, match="only one of checkpoint, fork_from and retry_from"):
        SyncRunner(checkpointer=checkpointer).run(counted([]), fork_from="a", retry_from="b")


def _status(cp, run_id: str, status: str):
    from hypergraph.checkpointers.base import RunUpdate, WriteBatch

    run = cp.get_run(run_id)
    return WriteBatch(updates=[RunUpdate(run_id, status, 0.0, run.node_count, 0, None)])
