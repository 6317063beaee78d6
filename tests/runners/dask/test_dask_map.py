"""``DaskRunner.run``/``map`` give SyncRunner's results, order and errors, item for item.

Every test runs on two clusters: the session's worker processes (everything pickled; the
``dask_client`` fixture of tests/conftest.py) and this module's worker threads in this process.
Nodes live at module level so workers import them by reference.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from hypergraph import (
    END,
    AsyncRunner,
    DaskRunner,
    Graph,
    GraphConfigError,
    IncompatibleRunnerError,
    MissingInputError,
    RunStatus,
    SyncRunner,
    ifelse,
    interrupt,
    node,
    route,
)
from support.dask_cluster import local_client

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def threads_client():
    """Two worker threads in this process (nothing is pickled between client and workers)."""
    with local_client(n_workers=2, threads_per_worker=1, processes=False) as client:
        yield client


@pytest.fixture(params=["processes", "threads"])
def any_client(request):
    """The session's worker-process cluster (tests/conftest.py), then this module's threads."""
    return request.getfixturevalue(
        "dask_client" if request.param == "processes" else "threads_client"
    )


@pytest.fixture
def runner(any_client):
    # Small chunks, so even short maps are split over several tasks and both workers.
    return DaskRunner(client=any_client, chunk_size=3)


# ------------------------------------------------------------------ graphs
@node(output_name="doubled")
def double(x: int) -> int:
    return x * 2


@node(output_name="shifted")
def shift(doubled: int, offset: int = 1) -> int:
    return doubled + offset


@node(output_name="squared")
def square(x: int) -> int:
    return x * x


DAG = Graph([double, shift, square], name="dag")


@ifelse(when_true="halve", when_false="triple")
def is_even(x: int) -> bool:
    return x % 2 == 0


@node(output_name="out")
def halve(x: int) -> int:
    return x // 2


@node(output_name="out")
def triple(x: int) -> int:
    return x * 3


BRANCH = Graph([is_even, halve, triple], name="branch")


@node(output_name="count")
def increment(count: int) -> int:
    return count + 1


@route(targets=["increment", END])
def until_ten(count: int):
    return END if count >= 10 else "increment"


LOOP = Graph([increment, until_ten], name="loop")


@node(output_name="length")
def measure(word: str) -> int:
    if word == "bad":
        raise ValueError("cannot measure 'bad'")
    return len(word)


@node(output_name="words")
def split(sentence: str) -> list[str]:
    return sentence.split()


WORD = Graph([measure], name="word")
NESTED = Graph([split, WORD.as_node().with_inputs(word="words").map_over("words")], name="nested")


@node(output_name="inverse")
def invert(x: int) -> float:
    if x < 0:
        raise ValueError(f"negative item {x}")
    return 10 / x


INVERT = Graph([invert], name="invert")


@node(output_name="pair")
def pair(a: int, b: str, sep: str) -> str:
    return f"{a}{sep}{b}"


PAIRS = Graph([pair], name="pairs")


@node(output_name="grown")
def grow(basket: list, x: int) -> list:
    basket.append(x)
    return list(basket)


GROW = Graph([grow], name="grow")


@node(output_name="slow_doubled")
async def slow_double(x: int) -> int:
    await asyncio.sleep(0.001)
    return x * 2


ASYNC = Graph([slow_double, shift.with_inputs(doubled="slow_doubled")], name="async")


@node(output_name="checked")
def fail_some(x: int, delay_for: int = -1) -> int:
    if x == delay_for:
        time.sleep(0.5)  # let a later chunk fail first: the earlier failure must still win
    if x % 10 == 3:
        raise ValueError(f"item {x} failed")
    return x


FAIL_SOME = Graph([fail_some], name="fail_some")


def summary(results):
    """Everything a user can observe about map results, minus run ids."""
    return [
        (
            r.status,
            dict(r.values),
            type(r.error).__name__ if r.error is not None else None,
            str(r.error) if r.error is not None else None,
        )
        for r in results
    ]


# ------------------------------------------------------------------ same results as SyncRunner
MAP_CASES = {
    "dag": (DAG, {"x": list(range(10))}, {"map_over": "x"}),
    "dag_broadcast_and_select": (
        DAG,
        {"x": list(range(7)), "offset": 100},
        {"map_over": "x", "select": ["shifted"]},
    ),
    "branch": (BRANCH, {"x": list(range(8))}, {"map_over": "x"}),
    "loop": (LOOP, {"count": [0, 3, 9, 12]}, {"map_over": "count"}),
    "nested_map_over": (
        NESTED,
        {"sentence": ["a bb ccc", "hello world", "x", "dddd ee"]},
        {"map_over": "sentence"},
    ),
    "product": (
        PAIRS,
        {"a": [1, 2, 3], "b": ["x", "y"], "sep": "-"},
        {"map_over": ["a", "b"], "map_mode": "product"},
    ),
    "zip": (PAIRS, {"a": [1, 2, 3], "b": ["x", "y", "z"], "sep": ":"}, {"map_over": ["a", "b"]}),
    "failures_continue": (
        INVERT,
        {"x": [1, -2, 5, 0, 4, -7, 2]},
        {"map_over": "x", "error_handling": "continue"},
    ),
    "nested_failure_continue": (
        NESTED,
        {"sentence": ["a b", "so bad", "fine"]},
        {"map_over": "sentence", "error_handling": "continue"},
    ),
    "clone_true": (GROW, {"x": [1, 2, 3, 4], "basket": [0]}, {"map_over": "x", "clone": True}),
}


@pytest.mark.parametrize("case", sorted(MAP_CASES))
def test_map_matches_sync_runner_item_for_item(runner, case):
    graph, values, options = MAP_CASES[case]
    expected = SyncRunner().map(graph, values, **options)
    results = runner.map(graph, values, **options)
    assert summary(results) == summary(expected)
    assert len({r.run_id for r in results}) == len(results)  # every item is its own run


def test_map_with_default_chunking_and_one_chunk_in_flight_keeps_input_order(any_client):
    xs = list(range(500))
    for dask_runner in (
        DaskRunner(client=any_client),
        DaskRunner(client=any_client, chunk_size=20, max_chunks_in_flight=1),
    ):
        results = dask_runner.map(DAG, {"x": xs}, map_over="x")
        assert [r["shifted"] for r in results] == [2 * x + 1 for x in xs]
        assert [r["squared"] for r in results] == [x * x for x in xs]


def test_empty_map_returns_an_empty_list(runner):
    assert runner.map(DAG, {"x": []}, map_over="x") == []


def test_raise_mode_raises_the_first_failure_in_input_order(runner):
    # Items 3 and 13 fail; item 3 sleeps first, so the chunk holding 13 fails earlier in time.
    values = {"x": list(range(20)), "delay_for": 3}
    with pytest.raises(ValueError, match="item 3 failed") as expected:
        SyncRunner().map(FAIL_SOME, values, map_over="x")
    with pytest.raises(ValueError) as raised:
        runner.map(FAIL_SOME, values, map_over="x")
    assert type(raised.value) is type(expected.value)
    assert str(raised.value) == str(expected.value)


def test_continue_mode_keeps_every_item_and_its_error(runner):
    results = runner.map(FAIL_SOME, {"x": list(range(25))}, map_over="x", error_handling="continue")
    failed = [i for i, r in enumerate(results) if r.status == RunStatus.FAILED]
    assert failed == [3, 13, 23]
    assert all(isinstance(results[i].error, ValueError) for i in failed)
    assert str(results[13].error) == "item 13 failed"
    assert [r["checked"] for i, r in enumerate(results) if i not in failed] == [
        x for x in range(25) if x not in failed
    ]


def test_async_graph_runs_inside_the_workers(runner):
    values = {"x": list(range(12))}
    expected = asyncio.run(AsyncRunner().map(ASYNC, values, map_over="x"))
    results = runner.map(ASYNC, values, map_over="x")
    assert summary(results) == summary(expected)
    assert [r["shifted"] for r in results] == [2 * x + 1 for x in range(12)]


# ------------------------------------------------------------------ validation on the client
def _bad_calls(tmp_path: Path):
    lock = threading.Lock()
    return [
        (DAG, {"x": [1, 2]}, {"map_over": "y"}),
        (PAIRS, {"a": [1, 2], "b": ["x"], "sep": "-"}, {"map_over": ["a", "b"]}),
        (DAG, {"x": [1, 2]}, {"map_over": "x", "map_mode": "diagonal"}),
        (DAG, {"x": [1, 2]}, {"map_over": "x", "error_handling": "ignore"}),
        (PAIRS, {"a": [1], "b": ["x"]}, {"map_over": ["a", "b"]}),  # sep is missing
        (DAG, {"x": [1, 2]}, {"map_over": "x", "select": ["nope"]}),
        (DAG, {"x": [1, 2], "lock": lock}, {"map_over": "x", "clone": True}),
        (DAG, {"x": 5}, {"map_over": "x"}),
        (DAG, {"x": [1]}, {"map_over": "x", "on_missing": "sometimes"}),
        (DAG, {"x": [1], "doubled": 3}, {"map_over": "x", "on_internal_override": "error"}),
    ]


@pytest.mark.parametrize("index", range(10))
def test_bad_map_requests_raise_on_the_client_like_sync_runner(runner, tmp_path, index):
    graph, values, options = _bad_calls(tmp_path)[index]
    with pytest.raises(Exception) as expected:
        SyncRunner().map(graph, values, **options)
    with pytest.raises(type(expected.value)) as raised:
        runner.map(graph, values, **options)
    assert str(raised.value) == str(expected.value)


def test_missing_input_raises_missing_input_error(runner):
    with pytest.raises(MissingInputError):
        runner.map(PAIRS, {"a": [1], "b": ["x"]}, map_over=["a", "b"])


def test_map_over_a_graph_with_interrupts_is_refused(runner):
    @interrupt(output_name="answer")
    def ask(question: str) -> str | None:
        return None

    with pytest.raises(IncompatibleRunnerError, match="InterruptNode"):
        runner.map(Graph([ask]), {"question": ["a", "b"]}, map_over="question")
    with pytest.raises(IncompatibleRunnerError, match="InterruptNode"):
        runner.run(Graph([ask]), question="a")


# ------------------------------------------------------------------ run
@pytest.mark.parametrize(
    ("graph", "values"),
    [
        (DAG, {"x": 4, "offset": 3}),
        (BRANCH, {"x": 7}),
        (LOOP, {"count": 2}),
        (NESTED, {"sentence": "a bc"}),
    ],
)
def test_run_matches_sync_runner(runner, graph, values):
    expected = SyncRunner().run(graph, values)
    result = runner.run(graph, values)
    assert summary([result]) == summary([expected])


def test_run_raises_the_node_exception_itself(runner):
    with pytest.raises(ValueError, match="negative item -1"):
        runner.run(INVERT, x=-1)
    result = runner.run(INVERT, x=-1, error_handling="continue")
    assert result.status == RunStatus.FAILED
    assert isinstance(result.error, ValueError)


def test_run_checks_inputs_and_options_on_the_client(runner):
    with pytest.raises(MissingInputError):
        runner.run(PAIRS, a=1)
    with pytest.raises(ValueError, match="max_iterations"):
        runner.run(LOOP, count=0, max_iterations=0)
    with pytest.raises(GraphConfigError):
        runner.run(DAG, x=1, select="nope")


def test_run_max_iterations_applies_in_the_worker(runner):
    from hypergraph import InfiniteLoopError

    with pytest.raises(InfiniteLoopError):
        runner.run(LOOP, count=0, max_iterations=3)


def test_run_of_an_async_graph(runner):
    assert runner.run(ASYNC, x=5)["shifted"] == 11


def test_capabilities_and_defaults(any_client):
    dask_runner = DaskRunner(client=any_client)
    caps = dask_runner.capabilities
    assert caps.supports_cycles and caps.supports_async_nodes
    assert not (caps.supports_interrupts or caps.returns_coroutine or caps.supports_streaming)
    assert dask_runner.default_max_iterations == 1000
    assert dask_runner.supported_node_types == SyncRunner().supported_node_types


# ------------------------------------------------------------------ interrupts, warnings, sizes
@interrupt(output_name="verdict")
def review(draft: str) -> str | None:
    return None if draft.startswith("ask") else f"auto:{draft}"


REVIEWED = Graph([Graph([review], name="inner").as_node(name="reviewing")], name="reviewed")


def test_nested_interrupt_resolving_itself_runs_and_one_asking_for_an_answer_fails(runner):
    expected = asyncio.run(AsyncRunner().run(REVIEWED, draft="ok"))
    assert runner.run(REVIEWED, draft="ok")["verdict"] == expected["verdict"] == "auto:ok"
    with pytest.raises(IncompatibleRunnerError, match="DaskRunner cannot pause"):
        runner.run(REVIEWED, draft="ask me")
    results = runner.map(
        REVIEWED, {"draft": ["fine", "ask me"]}, map_over="draft", error_handling="continue"
    )
    assert results[0]["verdict"] == "auto:fine"
    assert results[1].status == RunStatus.FAILED
    assert isinstance(results[1].error, IncompatibleRunnerError)
    assert "reviewing/review" in str(results[1].error)


def test_run_refused_for_pausing_ends_its_event_spans_as_failures(runner):
    from hypergraph import EventProcessor, NodeErrorEvent, RunEndEvent

    class Collect(EventProcessor):
        def __init__(self) -> None:
            self.events: list = []

        def on_event(self, event) -> None:
            self.events.append(event)

    def shape(events):
        return [(type(e).__name__, getattr(e, "node_name", e.graph_name)) for e in events]

    collect = Collect()
    with pytest.raises(IncompatibleRunnerError):
        runner.run(REVIEWED, draft="ask me", event_processors=[collect])
    assert shape(collect.events)[-4:] == [
        ("NodeErrorEvent", "review"),
        ("RunEndEvent", "inner"),
        ("NodeErrorEvent", "reviewing"),
        ("RunEndEvent", "reviewed"),
    ]
    outer_end = collect.events[-1]
    assert outer_end.status == "failed" and "DaskRunner cannot pause" in outer_end.error
    assert outer_end.span_id == collect.events[0].span_id
    error = next(e for e in collect.events if isinstance(e, NodeErrorEvent))
    assert error.error_type == "hypergraph.exceptions.IncompatibleRunnerError"

    collect = Collect()
    runner.map(
        REVIEWED,
        {"draft": ["fine", "ask me"]},
        map_over="draft",
        error_handling="continue",
        event_processors=[collect],
    )
    opening = {"RunStartEvent", "NodeStartEvent"}
    closing = {"RunEndEvent", "NodeEndEvent", "NodeErrorEvent"}
    starts = [e.span_id for e in collect.events if type(e).__name__ in opening]
    ends = [e.span_id for e in collect.events if type(e).__name__ in closing]
    assert sorted(starts) == sorted(ends)  # every span opened is closed
    map_end = collect.events[-1]
    item_ends = [e for e in collect.events if isinstance(e, RunEndEvent) and e is not map_end]
    item_ends = [e for e in item_ends if e.parent_span_id == map_end.span_id]
    assert sorted(e.status.value for e in item_ends) == ["completed", "failed"]


def test_internal_override_warning_is_issued_once_on_the_client(runner):
    with pytest.warns(UserWarning, match="internal parameters") as caught:
        results = runner.map(DAG, {"x": [1, 2, 3, 4], "bogus": 10}, map_over="x")
    assert len([w for w in caught if "internal parameters" in str(w.message)]) == 1
    with pytest.warns(UserWarning, match="internal parameters"):
        expected = SyncRunner().map(DAG, {"x": [1, 2, 3, 4], "bogus": 10}, map_over="x")
    assert summary(results) == summary(expected)


@node(output_name="total")
def count_bytes(x: int, payload: bytes) -> int:
    return len(payload) + x


def test_large_broadcast_value_is_shipped_once_and_reaches_every_item(runner):
    payload = b"x" * (5 * 1024 * 1024)  # above the size from which the job is scattered
    results = runner.map(
        Graph([count_bytes]), {"x": [0, 1, 2, 3, 4], "payload": payload}, map_over="x"
    )
    assert [r["total"] for r in results] == [len(payload) + x for x in range(5)]
