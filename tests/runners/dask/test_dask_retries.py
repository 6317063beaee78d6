"""Retry policies travel with their nodes to Dask workers and behave as they do locally."""

from __future__ import annotations

from collections import Counter

import pytest

from hypergraph import DaskRunner, Graph, RetryPolicy, RunStatus, node
from support.dask_cluster import local_client

pytest.importorskip("distributed")

# Per worker process: how often each item's node was called (attempts of one item run in the
# same process, so the count tells the node which attempt it is).
_CALLS: Counter[int] = Counter()


@node(output_name="y", retry=RetryPolicy(3, [ConnectionError], initial_delay=0))
def shaky(x: int) -> tuple[int, int]:
    _CALLS[x] += 1
    if x < 0 or _CALLS[x] < 3:  # every item fails twice; negative items always fail
        raise ConnectionError(f"item {x} attempt {_CALLS[x]}")
    return (x * 10, _CALLS[x])


GRAPH = Graph([shaky], name="shaky")


@pytest.fixture(scope="module")
def runner():
    with local_client(n_workers=1, threads_per_worker=1, processes=True) as client:
        yield DaskRunner(client=client, chunk_size=2)


def test_retries_run_on_the_workers_and_hopeless_items_fail_under_continue(runner):
    results = runner.map(GRAPH, {"x": [1, -1, 2, 3]}, map_over="x", error_handling="continue")
    assert [r.status for r in results] == [
        RunStatus.COMPLETED,
        RunStatus.FAILED,
        RunStatus.COMPLETED,
        RunStatus.COMPLETED,
    ]
    # Each completed item succeeded on its third attempt, in the worker process.
    assert [r["y"] for r in results if r.status is RunStatus.COMPLETED] == [
        (10, 3),
        (20, 3),
        (30, 3),
    ]
    assert isinstance(results[1].error, ConnectionError)
    assert str(results[1].error) == "item -1 attempt 3"
    assert not _CALLS  # nothing ran in the client process


def test_run_retries_on_a_worker(runner):
    assert runner.run(GRAPH, x=7)["y"] == (70, 3)


def test_worker_attempts_reach_client_tracing_in_item_order(runner):
    sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from hypergraph.events.otel import OpenTelemetryProcessor

    exporter = InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = OpenTelemetryProcessor(tracer_provider=provider)
    runner.map(GRAPH, {"x": [4, 5, 6]}, map_over="x", event_processors=[tracer])
    spans = exporter.get_finished_spans()
    (root,) = [s for s in spans if s.attributes["hypergraph.span.role"] == "map"]
    assert root.name == "shaky" and root.attributes["hypergraph.map_size"] == 3
    items = sorted(
        (s for s in spans if s.name == "shaky.item"),
        key=lambda s: s.attributes["hypergraph.item_index"],
    )
    assert [s.attributes["hypergraph.item_index"] for s in items] == [0, 1, 2]
    assert {s.parent.span_id for s in items} == {root.context.span_id}
    node_spans = [s for s in spans if s.attributes.get("hypergraph.span.role") == "node"]
    assert len(node_spans) == 3
    for span in node_spans:
        outcomes = [
            e.attributes["hypergraph.attempt.outcome"]
            for e in span.events
            if e.name == "hypergraph.attempt.end"
        ]
        assert outcomes == ["retry", "retry", "success"]
