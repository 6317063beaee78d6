"""Closing the spans of a run that DaskRunner refuses for pausing (no cluster needed)."""

from __future__ import annotations

from hypergraph.events import (
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
)
from hypergraph.exceptions import IncompatibleRunnerError
from hypergraph.runners.dask.open_spans import close_open_spans


def _item(run_id: str, parent: str, *, paused: bool) -> list:
    """Events of one item run with a GraphNode ``outer_node`` around a nested run."""
    run = RunStartEvent(run_id, parent_span_id=parent, graph_name="g")
    graph_node = NodeStartEvent(run_id, parent_span_id=run.span_id, node_name="outer_node")
    inner = RunStartEvent(f"{run_id}-inner", parent_span_id=graph_node.span_id, graph_name="in")
    leaf = NodeStartEvent(f"{run_id}-inner", parent_span_id=inner.span_id, node_name="ask")
    events = [run, graph_node, inner, leaf]
    if not paused:
        events += [
            NodeEndEvent(leaf.run_id, span_id=leaf.span_id, parent_span_id=inner.span_id),
            RunEndEvent(inner.run_id, span_id=inner.span_id, parent_span_id=graph_node.span_id),
            NodeEndEvent(run_id, span_id=graph_node.span_id, parent_span_id=run.span_id),
            RunEndEvent(run_id, span_id=run.span_id, parent_span_id=parent),
        ]
    return events


def test_paused_item_spans_close_innermost_first_right_after_its_own_events():
    chunk_map = RunStartEvent("map", is_map=True, map_size=2)
    paused = _item("run-a", chunk_map.span_id, paused=True)
    finished = _item("run-b", chunk_map.span_id, paused=False)
    map_end = RunEndEvent("map", span_id=chunk_map.span_id)
    events = [chunk_map, *paused, *finished, map_end]
    error = IncompatibleRunnerError("DaskRunner cannot pause for a human answer")

    closed = close_open_spans(events, {"run-a": error})

    added = closed[5:9]
    assert [type(e) for e in added] == [NodeErrorEvent, RunEndEvent, NodeErrorEvent, RunEndEvent]
    assert [e.span_id for e in added] == [e.span_id for e in reversed(paused)]
    assert [e.parent_span_id for e in added] == [e.parent_span_id for e in reversed(paused)]
    assert all(e.run_id == s.run_id for e, s in zip(added, reversed(paused)))
    assert added[0].node_name == "ask" and added[2].node_name == "outer_node"
    assert added[0].error_type == "hypergraph.exceptions.IncompatibleRunnerError"
    assert added[-1].status is RunStatus.FAILED and "cannot pause" in added[-1].error
    assert added[-1].duration_ms > 0
    assert closed[:5] == [chunk_map, *paused] and closed[9:] == [*finished, map_end]


def test_runs_without_a_refusal_are_left_untouched():
    events = _item("run-a", None, paused=True)  # paused, but not refused: stays open
    assert close_open_spans(events, {}) is events
    assert close_open_spans(events, {"run-other": ValueError("x")}) == events
