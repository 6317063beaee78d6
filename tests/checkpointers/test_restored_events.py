"""A resumed durable run reports what it got back from the store: restored steps and map items
emit node events (``NodeEndEvent.restored``), so progress bars count them as done."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from hypergraph import AsyncRunner, Graph, NodeEndEvent, NodeStartEvent, SyncRunner, node
from hypergraph.events import Event, EventProcessor, RichProgressProcessor, RunStartEvent

from .test_maps import squares


class Recorder(EventProcessor):
    def __init__(self) -> None:
        self.events: list[Event] = []

    def on_event(self, event: Event) -> None:
        self.events.append(event)


def flaky_chain(calls: list[str], fail: set[str]) -> Graph:
    @node(output_name="a")
    def fetch(x: int) -> int:
        calls.append("fetch")
        return x + 1

    @node(output_name="b")
    def summarise(a: int) -> int:
        calls.append("summarise")
        if "summarise" in fail:
            raise RuntimeError("model busy")
        return a * 2

    return Graph([fetch, summarise], name="chain")


def node_ends(recorder: Recorder) -> list[tuple[str, bool]]:
    return [(e.node_name, e.restored) for e in recorder.events if isinstance(e, NodeEndEvent)]


def test_resumed_run_reports_restored_steps_before_running_the_rest(checkpointer) -> None:
    calls: list[str] = []
    fail = {"summarise"}
    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError, match="model busy"):
        runner.run(flaky_chain(calls, fail), x=1, workflow_id="wf")
    fail.clear()
    recorder = Recorder()
    result = runner.run(flaky_chain(calls, fail), workflow_id="wf", event_processors=[recorder])

    assert result["b"] == 4 and calls == ["fetch", "summarise", "summarise"]
    assert node_ends(recorder) == [("fetch", True), ("summarise", False)]
    starts = [e for e in recorder.events if isinstance(e, NodeStartEvent)]
    ends = [e for e in recorder.events if isinstance(e, NodeEndEvent)]
    assert [s.span_id for s in starts] == [e.span_id for e in ends]  # start/end pairs
    run_span = recorder.events[0].span_id
    assert all(e.parent_span_id == run_span for e in starts + ends)
    assert ends[0].duration_ms == 0.0 and not ends[0].cached
    # The stored numbering goes on: fetch was superstep 0, the failed try 1, the rerun 2.
    assert [s.superstep for s in starts] == [0, 2]


async def test_async_resume_reports_restored_steps(checkpointer) -> None:
    calls: list[str] = []
    fail = {"summarise"}
    runner = AsyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError):
        await runner.run(flaky_chain(calls, fail), x=1, workflow_id="wf")
    fail.clear()
    recorder = Recorder()
    await runner.run(flaky_chain(calls, fail), workflow_id="wf", event_processors=[recorder])
    assert node_ends(recorder) == [("fetch", True), ("summarise", False)]


def test_restored_graph_node_reports_itself_restored(checkpointer) -> None:
    calls: list[str] = []
    fail = {"summarise"}
    inner = flaky_chain(calls, set()).as_node(name="prep")

    @node(output_name="out")
    def finish(b: int) -> int:
        calls.append("finish")
        if "finish" in fail:
            raise RuntimeError("not yet")
        return b

    fail.add("finish")
    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError):
        runner.run(Graph([inner, finish]), x=1, workflow_id="wf")
    fail.clear()
    recorder = Recorder()
    runner.run(Graph([inner, finish]), workflow_id="wf", event_processors=[recorder])
    assert node_ends(recorder) == [("prep", True), ("finish", False)]
    assert calls == ["fetch", "summarise", "finish", "finish"]


def plain_progress() -> tuple[RichProgressProcessor, Console]:
    console = Console(file=io.StringIO(), width=120)
    return RichProgressProcessor(console=console), console


@pytest.mark.parametrize("runner_class", [SyncRunner, AsyncRunner])
async def test_progress_counts_restored_map_items_as_done(checkpointer, runner_class) -> None:
    calls: list[int] = []
    fail_on = {3}
    runner = runner_class(checkpointer=checkpointer)
    first = runner.map(
        squares(calls, fail_on), x=[1, 2, 3, 4], map_over="x", workflow_id="batch",
        error_handling="continue",
    )  # fmt: skip
    if runner_class is AsyncRunner:
        first = await first
    assert [r.status.value for r in first] == ["completed", "completed", "failed", "completed"]
    fail_on.clear()
    progress, console = plain_progress()
    recorder = Recorder()
    again = runner.map(
        squares(calls, fail_on), x=[1, 2, 3, 4], map_over="x", workflow_id="batch",
        event_processors=[progress, recorder],
    )  # fmt: skip
    results = again if runner_class is SyncRunner else await again

    assert [r.restored for r in results] == [True, True, False, True]
    assert calls == [1, 2, 3, 4, 3]
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "squares completed (4 items, 0 failed)" in text
    (map_start,) = [e for e in recorder.events if isinstance(e, RunStartEvent) and e.is_map]
    items = [e for e in recorder.events if e.parent_span_id == map_start.span_id]
    item_starts = [e for e in items if isinstance(e, RunStartEvent)]
    assert sorted(e.workflow_id for e in item_starts) == [f"batch/{i}" for i in range(4)]
    assert sorted(node_ends(recorder)) == [("square", False)] + [("square", True)] * 3
    by_workflow = {r.workflow_id: r.run_id for r in results}
    assert {e.workflow_id: e.run_id for e in item_starts} == by_workflow


def test_restored_gates_report_their_stored_decisions(checkpointer) -> None:
    from hypergraph import RouteDecisionEvent, route

    calls: list[str] = []
    fail = {"finish"}

    @node(output_name="count")
    def step(count: int = 0) -> int:
        calls.append("step")
        return count + 1

    @route(targets=["step", "finish"])
    def again(count: int) -> str:
        return "finish" if count >= 2 else "step"

    @node(output_name="done")
    def finish(count: int) -> str:
        if "finish" in fail:
            raise RuntimeError("disk full")
        return f"ran {count}"

    def loop() -> Graph:
        return Graph([step, again, finish], name="loop")

    runner = SyncRunner(checkpointer=checkpointer)
    live = Recorder()
    with pytest.raises(RuntimeError, match="disk full"):
        runner.run(loop(), workflow_id="wf", event_processors=[live])
    fail.clear()
    resumed = Recorder()
    result = runner.run(loop(), workflow_id="wf", event_processors=[resumed])

    assert result["done"] == "ran 2" and calls == ["step", "step"]

    def decisions(recorder: Recorder) -> list[tuple[str, object]]:
        return [
            (e.node_name, e.decision) for e in recorder.events if isinstance(e, RouteDecisionEvent)
        ]

    assert decisions(live) == [("again", "step"), ("again", "finish")]
    assert decisions(resumed) == decisions(live)  # the same decisions, now from the store
    run_span = resumed.events[0].span_id
    assert all(
        e.parent_span_id == run_span for e in resumed.events if isinstance(e, RouteDecisionEvent)
    )


def test_a_restored_gate_that_chose_end_reports_end(checkpointer) -> None:
    from hypergraph import END, RouteDecisionEvent, route

    fail = {"b"}

    @route(targets=["extra", END])
    def skip(x: int) -> object:
        return END

    @node(output_name="e")
    def extra(x: int) -> int:
        return x

    @node(output_name="a")
    def first(x: int) -> int:
        return x + 1

    @node(output_name="b")
    def second(a: int) -> int:
        if "b" in fail:
            raise RuntimeError("flaky")
        return a * 2

    def graph() -> Graph:
        return Graph([skip, extra, first, second], name="skipper")

    runner = SyncRunner(checkpointer=checkpointer)
    with pytest.raises(RuntimeError, match="flaky"):
        runner.run(graph(), x=1, workflow_id="wf")
    fail.clear()
    recorder = Recorder()
    result = runner.run(graph(), workflow_id="wf", event_processors=[recorder])
    assert result["b"] == 4 and "e" not in result.values
    decisions = [e.decision for e in recorder.events if isinstance(e, RouteDecisionEvent)]
    assert decisions == [END]
