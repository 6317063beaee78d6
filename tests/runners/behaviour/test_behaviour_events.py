"""Events on every runner: a processor sees the run and each node start and end, in order."""

from __future__ import annotations

from hypergraph import (
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
)
from support.behaviour_graphs import Boom

KINDS = (RunStartEvent, RunEndEvent, NodeStartEvent, NodeEndEvent, NodeErrorEvent)


def _trail(events):
    """``(event class name, node name)`` for the run and node events, in arrival order."""
    return [
        (type(e).__name__, getattr(e, "node_name", None)) for e in events if isinstance(e, KINDS)
    ]


def test_processor_sees_run_start_node_events_and_run_end_in_order(runner, sign_route, recorder):
    runner.run(sign_route, x=4, event_processors=[recorder])
    assert _trail(recorder.events) == [
        ("RunStartEvent", None),
        ("NodeStartEvent", "pick_by_sign"),
        ("NodeEndEvent", "pick_by_sign"),
        ("NodeStartEvent", "halve"),
        ("NodeEndEvent", "halve"),
        ("RunEndEvent", None),
    ]
    run_start, run_end = recorder.events[0], recorder.events[-1]
    assert run_end.status == RunStatus.COMPLETED
    assert {e.run_id for e in recorder.events} == {run_start.run_id}


def test_node_events_hang_under_the_run_span(runner, diamond, recorder):
    runner.run(diamond, x=1, event_processors=[recorder])
    run_start = recorder.events[0]
    nodes = [e for e in recorder.events if isinstance(e, (NodeStartEvent, NodeEndEvent))]
    assert len(nodes) == 8
    assert {e.parent_span_id for e in nodes if isinstance(e, NodeStartEvent)} == {run_start.span_id}
    starts = [e.node_name for e in nodes if isinstance(e, NodeStartEvent)]
    assert starts.index("double") < starts.index("add") < starts.index("combine")


def test_failing_node_emits_an_error_event_and_the_run_ends_failed(
    runner, fragile_pipeline, recorder
):
    runner.run(fragile_pipeline, x=-1, error_handling="continue", event_processors=[recorder])
    errors = [e for e in recorder.events if isinstance(e, NodeErrorEvent)]
    assert [(e.node_name, e.error_type) for e in errors] == [("fragile", f"{Boom.__module__}.Boom")]
    assert isinstance(recorder.events[-1], RunEndEvent)
    assert recorder.events[-1].status == RunStatus.FAILED


def test_map_events_cover_every_item_between_map_start_and_end(runner, diamond, recorder):
    runner.map(diamond, x=[1, 2, 3], map_over="x", select="result", event_processors=[recorder])
    first, last = recorder.events[0], recorder.events[-1]
    assert isinstance(first, RunStartEvent) and first.is_map and first.map_size == 3
    assert isinstance(last, RunEndEvent) and last.span_id == first.span_id
    item_starts = [e for e in recorder.events[1:-1] if isinstance(e, RunStartEvent)]
    assert len(item_starts) == 3
    assert {e.parent_span_id for e in item_starts} == {first.span_id}
    combines = [
        e for e in recorder.events if isinstance(e, NodeEndEvent) and e.node_name == "combine"
    ]
    assert len(combines) == 3


def test_nested_graph_node_events_hang_under_the_graph_node(runner, diamond, recorder):
    from hypergraph import Graph

    runner.run(Graph([diamond.as_node(name="inner")]), x=1, event_processors=[recorder])
    starts = {e.node_name: e for e in recorder.events if isinstance(e, NodeStartEvent)}
    assert set(starts) == {"inner", "double", "add", "square", "combine"}
    inner_runs = [e for e in recorder.events if isinstance(e, RunStartEvent)][1:]
    assert [e.parent_span_id for e in inner_runs] == [starts["inner"].span_id]
    assert starts["double"].parent_span_id == inner_runs[0].span_id
