"""Synthetic event streams shaped like the ones the runners emit (docs/guides/events.md)."""

from __future__ import annotations

from hypergraph.events import (
    Event,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
)


def node_events(run: RunStartEvent, name: str, *, error: str | None = None) -> list[Event]:
    """Start + end (or error) of one node execution inside ``run``."""
    start = NodeStartEvent(
        run.run_id, parent_span_id=run.span_id, node_name=name, graph_name=run.graph_name
    )
    common = {"span_id": start.span_id, "parent_span_id": run.span_id, "node_name": name}
    if error is None:
        return [start, NodeEndEvent(run.run_id, graph_name=run.graph_name, **common)]
    end = NodeErrorEvent(
        run.run_id,
        graph_name=run.graph_name,
        error=error,
        error_type="builtins.ValueError",
        **common,
    )
    return [start, end]


def end_of(run: RunStartEvent, *, error: str | None = None) -> RunEndEvent:
    """The RunEndEvent closing ``run`` (FAILED when ``error`` is given)."""
    return RunEndEvent(
        run.run_id,
        span_id=run.span_id,
        parent_span_id=run.parent_span_id,
        graph_name=run.graph_name,
        status="failed" if error else "completed",
        error=error,
        duration_ms=1.0,
    )


def inner_map(parent_node: NodeStartEvent, size: int) -> list[Event]:
    """A GraphNode ``inner`` mapping over ``size`` items, each running node ``embed``."""
    map_run = RunStartEvent(
        "run-inner-map",
        parent_span_id=parent_node.span_id,
        graph_name="inner",
        is_map=True,
        map_size=size,
    )
    events: list[Event] = [map_run]
    for i in range(size):
        item = RunStartEvent(f"run-inner-{i}", parent_span_id=map_run.span_id, graph_name="inner")
        events += [item, *node_events(item, "embed"), end_of(item)]
    events.append(end_of(map_run))
    return events


def map_with_nested_map(
    items: int = 10, failing: frozenset[int] = frozenset({3, 7}), inner_size: int = 3
) -> list[Event]:
    """``pipeline`` mapped over ``items``; each item runs ``load``, a mapped GraphNode ``inner``
    and ``score``, which raises for the ``failing`` items (map uses error_handling='continue')."""
    map_run = RunStartEvent("run-map", graph_name="pipeline", is_map=True, map_size=items)
    events: list[Event] = [map_run]
    for i in range(items):
        item = RunStartEvent(f"run-item-{i}", parent_span_id=map_run.span_id, graph_name="pipeline")
        events += [item, *node_events(item, "load")]
        graph_node_start, graph_node_end = node_events(item, "inner")
        events += [graph_node_start, *inner_map(graph_node_start, inner_size), graph_node_end]
        error = f"bad item {i}" if i in failing else None
        events += [*node_events(item, "score", error=error), end_of(item, error=error)]
    events.append(end_of(map_run))
    return events


def linear_run(graph_name: str | None = "chain", *, error: str | None = None) -> list[Event]:
    """A plain top-level run of ``a -> b`` (``b`` raising when ``error`` is given)."""
    run = RunStartEvent("run-linear", graph_name=graph_name)
    return [
        run,
        *node_events(run, "a"),
        *node_events(run, "b", error=error),
        end_of(run, error=error),
    ]
