"""OpenTelemetryProcessor, checked with the OpenTelemetry SDK's in-memory exporter."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest

from hypergraph import (
    END,
    AsyncRunner,
    Graph,
    InMemoryCache,
    RetryPolicy,
    RunStatus,
    SyncRunner,
    interrupt,
    node,
    route,
)

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)
from opentelemetry.trace import StatusCode  # noqa: E402

from hypergraph.events.otel import OpenTelemetryProcessor  # noqa: E402


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def tracing(provider: TracerProvider, **kwargs: Any) -> list[OpenTelemetryProcessor]:
    return [OpenTelemetryProcessor(tracer_provider=provider, **kwargs)]


def by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def one(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    (span,) = by_name(spans, name)
    return span


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


@node(output_name="doubled")
def double(x: int) -> int:
    return x * 2


@node(output_name="total")
def add_one(doubled: int) -> int:
    return doubled + 1


PIPELINE = Graph([double, add_one], name="pipeline")


# -- names, roles and attributes ---------------------------------------------------------


def test_run_span_is_named_after_its_graph_and_node_spans_after_their_nodes(provider, exporter):
    result = SyncRunner().run(PIPELINE, x=3, event_processors=tracing(provider))
    spans = exporter.get_finished_spans()
    assert sorted(span.name for span in spans) == ["add_one", "double", "pipeline"]
    run = one(spans, "pipeline")
    assert run.parent is None
    assert run.attributes["hypergraph.span.role"] == "graph"
    assert run.attributes["hypergraph.graph_name"] == "pipeline"
    assert run.attributes["hypergraph.run_id"] == result.run_id
    assert run.attributes["hypergraph.is_map"] is False
    assert run.attributes["hypergraph.duration_ms"] > 0
    assert "hypergraph.workflow_id" not in run.attributes  # None-valued: left out
    for name in ("double", "add_one"):
        span = one(spans, name)
        assert parent_of(span) == run.context.span_id
        assert span.context.trace_id == run.context.trace_id
        assert span.attributes["hypergraph.span.role"] == "node"
        assert span.attributes["hypergraph.node_name"] == name
        assert span.attributes["hypergraph.cached"] is False
        assert "hypergraph.inputs" not in span.attributes  # nobody opted in


def test_unnamed_graph_span_is_called_graph(provider, exporter):
    SyncRunner().run(Graph([double]), x=1, event_processors=tracing(provider))
    assert one(exporter.get_finished_spans(), "graph").parent is None


def test_extra_attributes_are_on_every_span(provider, exporter):
    processors = tracing(provider, extra_attributes={"service.version": "1.2"})
    SyncRunner().run(PIPELINE, x=1, event_processors=processors)
    assert {span.attributes["service.version"] for span in exporter.get_finished_spans()} == {"1.2"}


def test_nested_graph_run_is_folded_into_its_graph_node_span(provider, exporter):
    inner = Graph([double], name="inner")
    outer = Graph([inner.as_node(), add_one], name="outer")
    SyncRunner().run(outer, x=2, event_processors=tracing(provider))
    spans = exporter.get_finished_spans()
    assert sorted(span.name for span in spans) == ["add_one", "double", "inner", "outer"]
    graph_node = one(spans, "inner")
    assert graph_node.attributes["hypergraph.span.role"] == "node"
    assert parent_of(graph_node) == one(spans, "outer").context.span_id
    assert parent_of(one(spans, "double")) == graph_node.context.span_id


def test_map_has_one_trace_with_an_item_span_per_item(provider, exporter):
    SyncRunner().map(PIPELINE, {"x": [1, 2, 3]}, map_over="x", event_processors=tracing(provider))
    spans = exporter.get_finished_spans()
    root = one(spans, "pipeline")
    assert root.attributes["hypergraph.span.role"] == "map"
    assert root.attributes["hypergraph.is_map"] is True
    assert root.attributes["hypergraph.map_size"] == 3
    items = by_name(spans, "pipeline.item")
    assert sorted(item.attributes["hypergraph.item_index"] for item in items) == [0, 1, 2]
    assert {parent_of(item) for item in items} == {root.context.span_id}
    assert {span.context.trace_id for span in spans} == {root.context.trace_id}
    item_ids = {item.context.span_id for item in items}
    assert {parent_of(span) for span in by_name(spans, "double")} == item_ids


def test_map_over_items_hang_under_the_graph_node(provider, exporter):
    inner = Graph([double], name="inner")
    outer = Graph([inner.as_node().map_over("x")], name="outer")
    SyncRunner().run(outer, x=[1, 2], event_processors=tracing(provider))
    spans = exporter.get_finished_spans()
    graph_node = one(spans, "inner")
    assert graph_node.attributes["hypergraph.is_map"] is True
    assert graph_node.attributes["hypergraph.map_size"] == 2
    items = by_name(spans, "inner.item")
    assert [parent_of(item) for item in items] == [graph_node.context.span_id] * 2
    assert sorted(parent_of(s) for s in by_name(spans, "double")) == sorted(
        item.context.span_id for item in items
    )


def test_separate_runs_get_separate_traces(provider, exporter):
    processors = tracing(provider)
    SyncRunner().run(PIPELINE, x=1, event_processors=processors)
    SyncRunner().run(PIPELINE, x=2, event_processors=processors)
    roots = by_name(exporter.get_finished_spans(), "pipeline")
    assert len({root.context.trace_id for root in roots}) == 2


def test_concurrent_async_runs_and_nodes_never_share_parents_or_traces(provider, exporter):
    @node(output_name="a")
    async def slow_a(x: int) -> int:
        await asyncio.sleep(0.02 * x)  # the second run outlasts the first
        return x

    @node(output_name="b")
    async def slow_b(x: int) -> int:
        await asyncio.sleep(0.02 * x)  # the second run outlasts the first
        return x

    inner_a = Graph([slow_a], name="inner_a").as_node()
    inner_b = Graph([slow_b], name="inner_b").as_node()
    graph = Graph([inner_a, inner_b], name="both")
    processors = tracing(provider)  # one processor shared by two concurrent runs

    async def main() -> None:
        runner = AsyncRunner()
        await asyncio.gather(
            runner.run(graph, x=1, event_processors=processors),
            runner.run(graph, x=5, event_processors=processors),
        )

    asyncio.run(main())
    spans = exporter.get_finished_spans()
    roots = by_name(spans, "both")
    assert len(roots) == 2 and roots[0].context.trace_id != roots[1].context.trace_id
    for root in roots:
        trace_spans = [s for s in spans if s.context.trace_id == root.context.trace_id]
        assert sorted(s.name for s in trace_spans) == [
            "both",
            "inner_a",
            "inner_b",
            "slow_a",
            "slow_b",
        ]
        inner_ids = {s.name: s.context.span_id for s in trace_spans}
        assert parent_of(one(tuple(trace_spans), "slow_a")) == inner_ids["inner_a"]
        assert parent_of(one(tuple(trace_spans), "slow_b")) == inner_ids["inner_b"]


# -- outcomes ------------------------------------------------------------------------------


@node(output_name="y")
def explode(x: int) -> int:
    raise ValueError(f"secret customer id {x}")


def test_failing_node_records_the_exception_and_error_status(provider, exporter):
    graph = Graph([explode], name="failing")
    with pytest.raises(ValueError):
        SyncRunner().run(graph, x=42, event_processors=tracing(provider))
    spans = exporter.get_finished_spans()
    failed = one(spans, "explode")
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description == "secret customer id 42"
    assert failed.attributes["hypergraph.error_type"] == "builtins.ValueError"
    (exception,) = [e for e in failed.events if e.name == "exception"]
    assert exception.attributes["exception.type"] == "builtins.ValueError"
    assert exception.attributes["exception.message"] == "secret customer id 42"
    run = one(spans, "failing")
    assert run.status.status_code is StatusCode.ERROR
    assert run.attributes["hypergraph.error_type"] == "builtins.ValueError"


def test_redacted_errors_keep_the_type_but_not_the_message(provider, exporter):
    graph = Graph([explode], name="failing")
    with pytest.raises(ValueError):
        SyncRunner().run(graph, x=42, event_processors=tracing(provider, redact_errors=True))
    for span in exporter.get_finished_spans():
        assert span.status.status_code is StatusCode.ERROR
        assert span.status.description is None
        for event in span.events:
            assert "secret" not in json.dumps(dict(event.attributes or {}))
    failed = one(exporter.get_finished_spans(), "explode")
    assert failed.events[0].attributes["exception.type"] == "builtins.ValueError"


def test_success_status_is_unset_unless_asked_for(provider, exporter):
    SyncRunner().run(PIPELINE, x=1, event_processors=tracing(provider))
    assert {s.status.status_code for s in exporter.get_finished_spans()} == {StatusCode.UNSET}
    exporter.clear()
    SyncRunner().run(PIPELINE, x=1, event_processors=tracing(provider, set_success_status=True))
    assert {s.status.status_code for s in exporter.get_finished_spans()} == {StatusCode.OK}


def test_retry_attempts_are_span_events_on_the_node_span(provider, exporter):
    calls: list[int] = []

    @node(output_name="y", retry=RetryPolicy(3, [ConnectionError], initial_delay=0))
    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) < 2:
            raise ConnectionError("reset")
        return x

    SyncRunner().run(Graph([flaky]), x=1, event_processors=tracing(provider))
    span = one(exporter.get_finished_spans(), "flaky")
    assert [(e.name, dict(e.attributes or {})) for e in span.events] == [
        ("hypergraph.attempt.start", {"hypergraph.attempt.number": 1}),
        (
            "hypergraph.attempt.end",
            {
                "hypergraph.attempt.number": 1,
                "hypergraph.attempt.outcome": "retry",
                "hypergraph.attempt.error_type": "builtins.ConnectionError",
            },
        ),
        ("hypergraph.attempt.start", {"hypergraph.attempt.number": 2}),
        (
            "hypergraph.attempt.end",
            {"hypergraph.attempt.number": 2, "hypergraph.attempt.outcome": "success"},
        ),
    ]


def test_node_spans_carry_the_superstep_of_their_run(provider, exporter):
    @route(targets=["count", END])
    def again(n: int) -> Any:
        return "count" if n < 3 else END

    @node(output_name="n")
    def count(n: int = 0) -> int:
        return n + 1

    inner = Graph([double], name="inner")
    loop = Graph([count, again, inner.as_node(), add_one], name="loop")
    SyncRunner().run(loop, x=1, event_processors=tracing(provider))
    spans = exporter.get_finished_spans()

    def supersteps(name: str) -> list[int]:
        return sorted(span.attributes["hypergraph.superstep"] for span in by_name(spans, name))

    # count and the graph node start together; the gate follows each count; add_one after inner.
    assert supersteps("count") == [0, 2, 4]
    assert supersteps("again") == [1, 3, 5]
    assert supersteps("inner") == [0] and supersteps("add_one") == [1]
    assert supersteps("double") == [0]  # its own (inner) run's first superstep
    assert "hypergraph.superstep" not in one(spans, "loop").attributes


async def test_concurrent_async_nodes_report_their_superstep(provider, exporter):
    @node(output_name="tripled")
    async def triple(x: int) -> int:
        await asyncio.sleep(0)
        return x * 3

    @node(output_name="both")
    async def combine(doubled: int, tripled: int) -> int:
        return doubled + tripled

    graph = Graph([double, triple, combine], name="fan")
    await AsyncRunner().run(graph, x=1, event_processors=tracing(provider))
    spans = exporter.get_finished_spans()
    steps = {s.name: s.attributes.get("hypergraph.superstep") for s in spans}
    assert steps == {"double": 0, "triple": 0, "combine": 1, "fan": None}


def test_steps_a_resumed_durable_run_restores_are_marked_restored(provider, exporter):
    from hypergraph import MemoryCheckpointer

    failing = [True]

    @node(output_name="total")
    def flaky_add_one(doubled: int) -> int:
        if failing[0]:
            raise RuntimeError("not yet")
        return doubled + 1

    graph = Graph([double, flaky_add_one], name="durable")
    runner = SyncRunner(checkpointer=MemoryCheckpointer())
    with pytest.raises(RuntimeError):
        runner.run(graph, x=1, workflow_id="wf")
    failing[0] = False
    runner.run(graph, workflow_id="wf", event_processors=tracing(provider))
    spans = exporter.get_finished_spans()
    assert one(spans, "double").attributes["hypergraph.restored"] is True
    assert one(spans, "double").attributes["hypergraph.superstep"] == 0
    assert "hypergraph.restored" not in one(spans, "flaky_add_one").attributes
    assert one(spans, "flaky_add_one").attributes["hypergraph.superstep"] == 2


def test_gate_decision_and_cache_hits_are_attributes(provider, exporter):
    @route(targets=["add_one", END])
    def decide(doubled: int) -> Any:
        return "add_one" if doubled > 0 else END

    cached_double = node(double.func, output_name="doubled", cache=True)
    graph = Graph([cached_double, decide, add_one], name="gated")
    runner = SyncRunner(cache=InMemoryCache())
    runner.run(graph, x=1)  # fills the cache
    runner.run(graph, x=1, event_processors=tracing(provider))
    spans = exporter.get_finished_spans()
    assert one(spans, "decide").attributes["hypergraph.decision"] == "add_one"
    assert one(spans, "double").attributes["hypergraph.cached"] is True


def test_spans_of_a_paused_run_are_ended_when_the_run_returns(provider, exporter):
    @interrupt(output_name="answer")
    def ask(question: str) -> None:
        return None  # no automatic answer: the run pauses for a person

    graph = Graph([ask], name="review")
    result = asyncio.run(
        AsyncRunner().run(graph, question="ok?", event_processors=tracing(provider))
    )
    assert result.status is RunStatus.PAUSED
    assert sorted(span.name for span in exporter.get_finished_spans()) == ["ask", "review"]


# -- payloads ------------------------------------------------------------------------------


def payloads(span: ReadableSpan) -> tuple[Any, Any]:
    attributes = span.attributes or {}
    return attributes.get("hypergraph.inputs"), attributes.get("hypergraph.outputs")


def test_nodes_opting_in_attach_inputs_and_outputs(provider, exporter):
    traced = node(double.func, output_name="doubled", trace_io=True)
    SyncRunner().run(Graph([traced, add_one]), x=5, event_processors=tracing(provider))
    spans = exporter.get_finished_spans()
    inputs, outputs = payloads(one(spans, "double"))
    assert json.loads(inputs) == {"x": 5} and json.loads(outputs) == {"doubled": 10}
    assert payloads(one(spans, "add_one")) == (None, None)


def test_graph_trace_io_covers_nested_nodes_unless_a_node_opts_out(provider, exporter):
    private = node(add_one.func, output_name="total", trace_io=False)
    inner = Graph([double], name="inner")
    graph = Graph([inner.as_node(), private], name="outer", trace_io=True)
    SyncRunner().run(graph, x=5, event_processors=tracing(provider))
    spans = exporter.get_finished_spans()
    assert json.loads(payloads(one(spans, "double"))[1]) == {"doubled": 10}
    assert payloads(one(spans, "add_one")) == (None, None)
    assert graph.trace_io and not Graph([double]).trace_io


def test_with_trace_io_returns_a_traced_copy_and_payloads_are_cut(provider, exporter):
    @node(output_name="text")
    def shout(text_in: str) -> str:
        return text_in.upper()

    graph = Graph([shout])
    traced = graph.with_trace_io()
    assert traced.trace_io and not graph.trace_io
    processors = tracing(provider, max_payload_chars=20)
    SyncRunner().run(traced, text_in="a" * 100, event_processors=processors)
    inputs, outputs = payloads(one(exporter.get_finished_spans(), "shout"))
    assert len(inputs) == len(outputs) == 20 and inputs.endswith("…")


def test_redacted_payloads_are_never_attached(provider, exporter):
    graph = PIPELINE.with_trace_io()
    SyncRunner().run(graph, x=5, event_processors=tracing(provider, redact_payloads=True))
    for span in exporter.get_finished_spans():
        assert payloads(span) == (None, None)


# -- installation --------------------------------------------------------------------------


def test_missing_opentelemetry_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    with pytest.raises(ImportError, match=r"hypergraph\[otel\]"):
        OpenTelemetryProcessor()


def test_importing_hypergraph_and_its_events_does_not_load_opentelemetry():
    code = (
        "import sys, hypergraph, hypergraph.events; "
        "print(any(m.startswith('opentelemetry') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
