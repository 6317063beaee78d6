"""Events emitted by ``SyncRunner.run`` (docs/guides/events.md)."""

from __future__ import annotations

import logging
import threading

import pytest

from hypergraph import (
    END,
    EventProcessor,
    Graph,
    InMemoryCache,
    RouteDecisionEvent,
    RunEndEvent,
    RunStartEvent,
    SyncRunner,
    ifelse,
    node,
    route,
)
from hypergraph.events import (
    CacheHitEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RunStatus,
)

from ._recording import AsyncRecorder, Recorder, assert_well_formed, labels, runs


@node(output_name="y")
def add_one(x: int) -> int:
    return x + 1


@node(output_name="z")
def double(y: int) -> int:
    return y * 2


def test_linear_dag_emits_exactly_run_and_node_pairs():
    recorder = Recorder()
    graph = Graph([add_one, double], name="chain")
    result = SyncRunner().run(graph, x=1, event_processors=[recorder])
    assert labels(recorder.events) == [
        ("RunStart", "chain"),
        ("NodeStart", "add_one"),
        ("NodeEnd", "add_one"),
        ("NodeStart", "double"),
        ("NodeEnd", "double"),
        ("RunEnd", "chain"),
    ]
    assert_well_formed(recorder.events)
    start, end = recorder.events[0], recorder.events[-1]
    assert start.parent_span_id is None and start.span_id == end.span_id
    assert {e.run_id for e in recorder.events} == {result.run_id}
    assert end.status is RunStatus.COMPLETED and end.error is None and end.duration_ms > 0
    node_events = recorder.events[1:-1]
    assert all(e.parent_span_id == start.span_id for e in node_events)
    assert node_events[0].span_id == node_events[1].span_id != node_events[2].span_id
    assert all(not e.cached and e.duration_ms > 0 for e in node_events[1::2])


def test_events_without_processors_are_not_built(monkeypatch):
    built: list[object] = []
    original = NodeStartEvent.__init__

    def spy(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(NodeStartEvent, "__init__", spy)
    SyncRunner().run(Graph([add_one, double]), x=1)
    SyncRunner().run(Graph([add_one, double]), x=1, event_processors=[])
    assert built == []


def test_branch_emits_route_decision_in_its_own_span_before_gate_end():
    @ifelse(when_true="double", when_false=END)
    def big_enough(y: int) -> bool:
        return y > 1

    recorder = Recorder()
    graph = Graph([add_one, big_enough, double], name="branch")
    SyncRunner().run(graph, x=1, event_processors=[recorder])
    assert labels(recorder.events) == [
        ("RunStart", "branch"),
        ("NodeStart", "add_one"),
        ("NodeEnd", "add_one"),
        ("NodeStart", "big_enough"),
        ("RouteDecision", "big_enough"),
        ("NodeEnd", "big_enough"),
        ("NodeStart", "double"),
        ("NodeEnd", "double"),
        ("RunEnd", "branch"),
    ]
    assert_well_formed(recorder.events)
    run_span = recorder.events[0].span_id
    gate_start, decision, gate_end = recorder.events[3:6]
    assert decision.decision == "double"
    assert decision.parent_span_id == run_span
    assert decision.span_id not in (gate_start.span_id, run_span)
    assert gate_end.span_id == gate_start.span_id


def test_loop_emits_node_events_per_iteration_and_route_to_end():
    @node(output_name="count")
    def increment(count: int) -> int:
        return count + 1

    @route(targets=["increment", END])
    def again(count: int):
        return END if count >= 3 else "increment"

    recorder = Recorder()
    graph = Graph([increment, again], name="loop")
    SyncRunner().run(graph, count=0, event_processors=[recorder])
    body = [lab for lab in labels(recorder.events) if lab[0] != "RunStart" and lab[0] != "RunEnd"]
    gate_turn = [("NodeStart", "again"), ("RouteDecision", "again"), ("NodeEnd", "again")]
    body_turn = [("NodeStart", "increment"), ("NodeEnd", "increment")]
    # The gate decides first (its target is held back while it runs), then body and gate alternate.
    assert body == gate_turn + (body_turn + gate_turn) * 3
    decisions = [e.decision for e in recorder.events if isinstance(e, RouteDecisionEvent)]
    assert decisions == ["increment", "increment", "increment", END]
    spans = [e.span_id for e in recorder.events if isinstance(e, NodeStartEvent)]
    assert len(set(spans)) == 7
    assert_well_formed(recorder.events)


def test_multi_target_route_reports_a_list():
    @node(output_name="a")
    def left(y: int) -> int:
        return y

    @node(output_name="b")
    def right(y: int) -> int:
        return -y

    @route(targets=["left", "right"], multi_target=True)
    def fan(y: int):
        return ["left", "right"]

    recorder = Recorder()
    SyncRunner().run(Graph([add_one, fan, left, right]), x=1, event_processors=[recorder])
    (decision,) = [e for e in recorder.events if isinstance(e, RouteDecisionEvent)]
    assert decision.decision == ["left", "right"]


def test_nested_graph_run_hangs_under_the_graph_node_span_with_its_own_run_id():
    inner = Graph([add_one], name="inner")
    recorder = Recorder()
    result = SyncRunner().run(
        Graph([inner.as_node(), double], name="outer"), x=1, event_processors=[recorder]
    )
    assert labels(recorder.events) == [
        ("RunStart", "outer"),
        ("NodeStart", "inner"),
        ("RunStart", "inner"),
        ("NodeStart", "add_one"),
        ("NodeEnd", "add_one"),
        ("RunEnd", "inner"),
        ("NodeEnd", "inner"),
        ("NodeStart", "double"),
        ("NodeEnd", "double"),
        ("RunEnd", "outer"),
    ]
    assert_well_formed(recorder.events)
    outer_run, graph_node, inner_run = recorder.events[:3]
    assert inner_run.parent_span_id == graph_node.span_id
    assert inner_run.run_id != outer_run.run_id == result.run_id


def test_failing_node_emits_error_then_failed_run_end():
    @node(output_name="z")
    def explode(y: int) -> int:
        raise ValueError(f"bad value {y}")

    recorder = Recorder()
    with pytest.raises(ValueError, match="bad value 2"):
        SyncRunner().run(Graph([add_one, explode], name="boom"), x=1, event_processors=[recorder])
    assert labels(recorder.events) == [
        ("RunStart", "boom"),
        ("NodeStart", "add_one"),
        ("NodeEnd", "add_one"),
        ("NodeStart", "explode"),
        ("NodeError", "explode"),
        ("RunEnd", "boom"),
    ]
    assert_well_formed(recorder.events)
    error, end = recorder.events[-2:]
    assert (error.error, error.error_type) == ("bad value 2", "builtins.ValueError")
    assert error.span_id == recorder.events[3].span_id
    assert end.status is RunStatus.FAILED and end.error == "bad value 2"
    assert recorder.shutdowns == 1


def test_failure_with_continue_ends_run_failed_and_shares_the_result_run_id():
    @node(output_name="z")
    def explode(y: int) -> int:
        raise KeyError("missing")

    recorder = Recorder()
    result = SyncRunner().run(
        Graph([add_one, explode]), x=1, error_handling="continue", event_processors=[recorder]
    )
    end = recorder.events[-1]
    assert isinstance(end, RunEndEvent) and end.status is RunStatus.FAILED
    assert end.error == str(KeyError("missing"))
    assert recorder.events[-2].error_type == "builtins.KeyError"
    assert {e.run_id for e in recorder.events} == {result.run_id}


def test_nested_failure_fails_inner_run_graph_node_and_outer_run():
    @node(output_name="y")
    def inner_fail(x: int) -> int:
        raise RuntimeError("inner broke")

    inner = Graph([inner_fail], name="inner")
    recorder = Recorder()
    with pytest.raises(RuntimeError, match="inner broke"):
        SyncRunner().run(Graph([inner.as_node()], name="outer"), x=1, event_processors=[recorder])
    assert labels(recorder.events) == [
        ("RunStart", "outer"),
        ("NodeStart", "inner"),
        ("RunStart", "inner"),
        ("NodeStart", "inner_fail"),
        ("NodeError", "inner_fail"),
        ("RunEnd", "inner"),
        ("NodeError", "inner"),
        ("RunEnd", "outer"),
    ]
    assert_well_formed(recorder.events)
    assert [e.status for e in recorder.events if isinstance(e, RunEndEvent)] == ["failed"] * 2


def test_cache_hit_emits_start_hit_end_with_cached_flag_and_zero_duration():
    calls: list[int] = []

    @node(output_name="y", cache=True)
    def slow_add(x: int) -> int:
        calls.append(x)
        return x + 1

    runner = SyncRunner(cache=InMemoryCache())
    graph = Graph([slow_add], name="cached")
    runner.run(graph, x=1)
    recorder = Recorder()
    runner.run(graph, x=1, event_processors=[recorder])
    assert calls == [1]
    assert labels(recorder.events) == [
        ("RunStart", "cached"),
        ("NodeStart", "slow_add"),
        ("CacheHit", "slow_add"),
        ("NodeEnd", "slow_add"),
        ("RunEnd", "cached"),
    ]
    start, hit, end = recorder.events[1:4]
    assert isinstance(hit, CacheHitEvent) and len(hit.cache_key) == 64
    assert start.span_id == hit.span_id == end.span_id
    assert end.cached is True and end.duration_ms == 0.0
    assert_well_formed(recorder.events)


def test_cached_gate_hit_replays_its_route_decision_between_hit_and_end():
    @route(targets=["double", END], cache=True)
    def decide(y: int):
        return "double"

    runner = SyncRunner(cache=InMemoryCache())
    graph = Graph([add_one, decide, double])
    runner.run(graph, x=1)
    recorder = Recorder()
    assert runner.run(graph, x=1, event_processors=[recorder])["z"] == 4
    gate = [lab for lab in labels(recorder.events) if lab[1] == "decide"]
    assert gate == [
        ("NodeStart", "decide"),
        ("CacheHit", "decide"),
        ("RouteDecision", "decide"),
        ("NodeEnd", "decide"),
    ]


def test_map_over_nests_a_map_span_under_the_graph_node_with_failing_item():
    @node(output_name="y")
    def fragile(x: int) -> int:
        if x < 0:
            raise ValueError("negative")
        return x

    inner = Graph([fragile], name="inner")
    mapped = inner.as_node().map_over("x", error_handling="continue")
    recorder = Recorder()
    result = SyncRunner().run(Graph([mapped], name="outer"), x=[1, -1], event_processors=[recorder])
    assert result["y"] == [1, None]
    assert labels(recorder.events) == [
        ("RunStart", "outer"),
        ("NodeStart", "inner"),
        ("RunStart", "inner"),  # the map
        ("RunStart", "inner"),  # item 0
        ("NodeStart", "fragile"),
        ("NodeEnd", "fragile"),
        ("RunEnd", "inner"),
        ("RunStart", "inner"),  # item 1
        ("NodeStart", "fragile"),
        ("NodeError", "fragile"),
        ("RunEnd", "inner"),
        ("RunEnd", "inner"),  # the map completes: the failure was recorded, not raised
        ("NodeEnd", "inner"),
        ("RunEnd", "outer"),
    ]
    assert_well_formed(recorder.events)
    outer, graph_node, map_run, item0 = recorder.events[:4]
    item1 = recorder.events[7]
    assert map_run.is_map and map_run.map_size == 2 and map_run.parent_span_id == graph_node.span_id
    assert item0.parent_span_id == item1.parent_span_id == map_run.span_id
    assert not item0.is_map and item0.run_id != item1.run_id
    ends = [e for e in recorder.events if isinstance(e, RunEndEvent)]
    assert [e.status for e in ends] == ["completed", "failed", "completed", "completed"]


def test_map_over_raising_item_fails_the_map_run():
    @node(output_name="y")
    def fragile(x: int) -> int:
        raise ValueError("always")

    inner = Graph([fragile], name="inner")
    recorder = Recorder()
    with pytest.raises(ValueError):
        SyncRunner().run(
            Graph([inner.as_node().map_over("x")], name="outer"),
            x=[1, 2],
            event_processors=[recorder],
        )
    map_run = next(e for e in runs(recorder.events) if e.is_map)
    map_end = next(e for e in recorder.events if e.span_id == map_run.span_id and e is not map_run)
    assert map_end.status is RunStatus.FAILED and map_end.error == "always"
    assert_well_formed(recorder.events)


def test_raising_processor_is_logged_once_and_others_still_receive_events(caplog):
    class Broken(EventProcessor):
        def on_event(self, event):
            raise RuntimeError("processor bug")

    recorder = Recorder()
    with caplog.at_level(logging.ERROR, logger="hypergraph.events"):
        result = SyncRunner().run(
            Graph([add_one, double]), x=1, event_processors=[Broken(), recorder]
        )
    assert result["z"] == 4
    assert len(recorder.events) == 6
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "Broken" in errors[0].getMessage()


def test_shutdown_called_once_per_top_level_run_even_with_nesting_and_on_failure():
    @node(output_name="z")
    def explode(y: int) -> int:
        raise TypeError("nope")

    inner = Graph([add_one], name="inner")
    recorder = Recorder()
    twice = Graph(
        [inner.as_node(), inner.as_node(name="again").with_inputs(x="y").with_outputs(y="w")]
    )
    SyncRunner().run(twice, x=1, event_processors=[recorder])
    assert recorder.shutdowns == 1
    with pytest.raises(TypeError):
        SyncRunner().run(Graph([inner.as_node(), explode]), x=1, event_processors=[recorder])
    assert recorder.shutdowns == 2


def test_validation_error_still_shuts_processors_down_without_events():
    recorder = Recorder()
    with pytest.raises(Exception, match="Missing required inputs"):
        SyncRunner().run(Graph([add_one]), event_processors=[recorder])
    assert recorder.events == [] and recorder.shutdowns == 1


def test_single_processor_instead_of_list_is_rejected_with_a_fix():
    with pytest.raises(TypeError, match=r"event_processors=\[processor\]"):
        SyncRunner().run(Graph([add_one]), x=1, event_processors=Recorder())


def test_each_run_and_node_execution_gets_its_own_span():
    recorder = Recorder()
    runner = SyncRunner()
    first = runner.run(Graph([add_one, double]), x=1, event_processors=[recorder])
    second = runner.run(Graph([add_one, double]), x=1, event_processors=[recorder])
    assert first.run_id != second.run_id
    spans = [e.span_id for e in recorder.events if isinstance(e, RunStartEvent | NodeStartEvent)]
    assert len(spans) == len(set(spans)) == 6
    assert all(
        isinstance(e, NodeEndEvent | NodeErrorEvent | RunEndEvent) or e.span_id in spans
        for e in recorder.events
    )


def test_node_failing_while_its_inputs_are_prepared_reports_start_and_error():
    @node(output_name="y")
    def locked(x: int, guard=threading.Lock()) -> int:  # noqa: B008 - un-copyable on purpose
        return x

    recorder = Recorder()
    with pytest.raises(Exception, match="cannot be safely copied"):
        SyncRunner().run(Graph([locked], name="g"), x=1, event_processors=[recorder])
    assert labels(recorder.events) == [
        ("RunStart", "g"),
        ("NodeStart", "locked"),
        ("NodeError", "locked"),
        ("RunEnd", "g"),
    ]
    assert recorder.events[2].error_type == "hypergraph.exceptions.GraphConfigError"
    assert_well_formed(recorder.events)


def test_sync_runner_delivers_to_async_processors_through_their_sync_hooks():
    recorder = AsyncRecorder()
    SyncRunner().run(Graph([add_one, double]), x=1, event_processors=[recorder])
    assert recorder.sync_calls == len(recorder.events) == 6
    assert (recorder.sync_shutdowns, recorder.async_shutdowns) == (1, 0)
