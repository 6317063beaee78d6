"""Retries through the runners: attempts, backoff, RetryAfterError, windows, maps, nesting, events.

Delays are measured with a fake clock installed by ``retry_clock`` (runners/loop/retry.py), so
no test sleeps through a backoff.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from hypergraph import (
    END,
    AsyncRunner,
    Graph,
    InMemoryCache,
    NodeAttemptEndEvent,
    NodeAttemptStartEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RetryAfterError,
    RetryPolicy,
    RetryWindowExpiredError,
    RunStatus,
    SyncRunner,
    node,
    route,
)
from hypergraph.events import EventProcessor
from hypergraph.runners.loop.retry import retry_clock


class FakeClock:
    """A clock whose sleeps only move its time forward and are recorded."""

    def __init__(self) -> None:
        self.time = 100.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds

    async def sleep_async(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)


class Recorder(EventProcessor):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_event(self, event: Any) -> None:
        self.events.append(event)


def flaky_node(failures: int, policy: RetryPolicy, *, is_async: bool = False, error=ValueError):
    """A node ``y = x + 1`` that raises ``error`` on its first ``failures`` calls."""
    calls: list[int] = []

    def body(x: int) -> int:
        calls.append(x)
        if len(calls) <= failures:
            raise error(f"failure {len(calls)}")
        return x + 1

    if is_async:

        async def flaky(x: int) -> int:
            return body(x)

    else:

        def flaky(x: int) -> int:
            return body(x)

    return node(flaky, output_name="y", retry=policy), calls


def run(graph: Graph, runner_kind: str, **kwargs: Any) -> Any:
    if runner_kind == "sync":
        return SyncRunner().run(graph, **kwargs)
    return asyncio.run(AsyncRunner().run(graph, **kwargs))


RUNNERS = ["sync", "async"]
NO_DELAY = RetryPolicy(max_attempts=3, retry_on=[ValueError], initial_delay=0)


@pytest.mark.parametrize("runner_kind", RUNNERS)
def test_node_failing_twice_then_succeeding_is_called_three_times(runner_kind):
    flaky, calls = flaky_node(2, NO_DELAY, is_async=runner_kind == "async")
    result = run(Graph([flaky]), runner_kind, x=1)
    assert result["y"] == 2
    assert calls == [1, 1, 1]


@pytest.mark.parametrize("runner_kind", RUNNERS)
def test_unlisted_exception_is_not_retried(runner_kind):
    flaky, calls = flaky_node(1, NO_DELAY, is_async=runner_kind == "async", error=KeyError)
    with pytest.raises(KeyError, match="failure 1"):
        run(Graph([flaky]), runner_kind, x=1)
    assert calls == [1]


@pytest.mark.parametrize("runner_kind", RUNNERS)
def test_node_out_of_attempts_fails_with_the_last_attempts_own_exception(runner_kind):
    flaky, calls = flaky_node(5, NO_DELAY, is_async=runner_kind == "async")
    result = run(Graph([flaky]), runner_kind, x=1, error_handling="continue")
    assert result.status is RunStatus.FAILED
    assert type(result.error) is ValueError and str(result.error) == "failure 3"
    assert len(calls) == 3


@pytest.mark.parametrize("runner_kind", RUNNERS)
def test_backoff_delays_follow_the_policy(runner_kind):
    policy = RetryPolicy(
        5, [ValueError], initial_delay=1, backoff_multiplier=2, max_delay=5, jitter="none"
    )
    flaky, _ = flaky_node(4, policy, is_async=runner_kind == "async")
    with retry_clock(FakeClock()) as clock:
        assert run(Graph([flaky]), runner_kind, x=1)["y"] == 2
    assert clock.sleeps == [1.0, 2.0, 4.0, 5.0]


def test_full_jitter_waits_between_zero_and_the_backoff():
    policy = RetryPolicy(6, [ValueError], initial_delay=1, backoff_multiplier=2, max_delay=8)
    flaky, _ = flaky_node(5, policy)
    with retry_clock(FakeClock()) as clock:
        SyncRunner().run(Graph([flaky]), x=1)
    assert len(clock.sleeps) == 5
    for delay, cap in zip(clock.sleeps, [1, 2, 4, 8, 8]):
        assert 0 <= delay <= cap
    assert clock.sleeps != [1, 2, 4, 8, 8]  # jittered, not the plain backoff


@pytest.mark.parametrize("runner_kind", RUNNERS)
def test_retry_after_error_delay_replaces_the_backoff(runner_kind):
    attempts: list[int] = []

    @node(output_name="page", retry=RetryPolicy(3, [ConnectionError], initial_delay=1))
    def fetch(url: str) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RetryAfterError(ConnectionError("429 Too Many Requests"), retry_after=7.5)
        return f"<{url}>"

    graph = Graph([fetch])
    with retry_clock(FakeClock()) as clock:
        if runner_kind == "sync":
            result = SyncRunner().run(graph, url="a")
        else:
            result = asyncio.run(AsyncRunner().run(graph, url="a"))
    assert result["page"] == "<a>"
    assert clock.sleeps == [7.5]


def test_node_out_of_attempts_after_retry_after_reports_it_with_its_cause():
    @node(output_name="page", retry=RetryPolicy(2, [ConnectionError], initial_delay=0))
    def fetch(url: str) -> str:
        raise RetryAfterError(ConnectionError("429"), retry_after=0)

    with pytest.raises(RetryAfterError) as caught:
        SyncRunner().run(Graph([fetch]), url="a")
    assert isinstance(caught.value.__cause__, ConnectionError)


@pytest.mark.parametrize("runner_kind", RUNNERS)
def test_running_out_of_the_retry_window_raises_with_the_last_error_as_cause(runner_kind):
    policy = RetryPolicy(
        10, [ValueError], retry_window=3, initial_delay=1, backoff_multiplier=2, jitter="none"
    )
    flaky, calls = flaky_node(10, policy, is_async=runner_kind == "async")
    with retry_clock(FakeClock()) as clock, pytest.raises(RetryWindowExpiredError) as caught:
        run(Graph([flaky]), runner_kind, x=1)
    # Attempt 1 at t=0 waits 1 s; attempt 2 at t=1 would wait 2 s more: past the 3 s window.
    assert clock.sleeps == [1.0]
    assert len(calls) == 2
    error = caught.value
    assert (error.node_name, error.attempts, error.retry_window) == ("flaky", 2, 3.0)
    assert isinstance(error.__cause__, ValueError) and str(error.__cause__) == "failure 2"
    assert "retry_window" in str(error) and "flaky" in str(error)


@pytest.mark.parametrize("runner_kind", RUNNERS)
def test_retries_inside_a_map_with_continue_fail_only_the_hopeless_items(runner_kind):
    calls: Counter[int] = Counter()

    @node(output_name="y", retry=RetryPolicy(3, [ValueError], initial_delay=0))
    def shaky(x: int) -> int:
        calls[x] += 1
        if x < 0 or calls[x] < 3:  # every item fails twice; negative items always fail
            raise ValueError(f"item {x} attempt {calls[x]}")
        return x * 10

    graph = Graph([shaky])
    kwargs: dict[str, Any] = {"map_over": "x", "error_handling": "continue"}
    if runner_kind == "sync":
        results = SyncRunner().map(graph, {"x": [1, -1, 2]}, **kwargs)
    else:
        results = asyncio.run(
            AsyncRunner().map(graph, {"x": [1, -1, 2]}, max_concurrency=2, **kwargs)
        )
    assert [r.status for r in results] == [
        RunStatus.COMPLETED,
        RunStatus.FAILED,
        RunStatus.COMPLETED,
    ]
    assert results[0]["y"] == 10 and results[2]["y"] == 20
    assert str(results[1].error) == "item -1 attempt 3"
    assert calls == {1: 3, -1: 3, 2: 3}


@pytest.mark.parametrize("runner_kind", RUNNERS)
def test_retries_work_inside_a_nested_graph(runner_kind):
    flaky, calls = flaky_node(2, NO_DELAY, is_async=runner_kind == "async")

    @node(output_name="z")
    def double(y: int) -> int:
        return y * 2

    outer = Graph([Graph([flaky], name="inner").as_node(), double])
    assert run(outer, runner_kind, x=4)["z"] == 10
    assert len(calls) == 3


@pytest.mark.parametrize("runner_kind", RUNNERS)
def test_a_gate_with_a_retry_policy_decides_after_its_retries(runner_kind):
    asked: list[int] = []

    @route(targets=["high", END], retry=NO_DELAY)
    def classify(x: int) -> Any:
        asked.append(x)
        if len(asked) < 3:
            raise ValueError("classifier unavailable")
        return "high" if x > 0 else END

    @node(output_name="label")
    def high(x: int) -> str:
        return "high"

    assert run(Graph([classify, high]), runner_kind, x=1)["label"] == "high"
    assert len(asked) == 3


@pytest.mark.parametrize("runner_kind", RUNNERS)
def test_attempt_events_sit_between_the_node_start_and_end(runner_kind):
    policy = RetryPolicy(3, [ValueError], initial_delay=2, jitter="none")
    flaky, _ = flaky_node(1, policy, is_async=runner_kind == "async")
    recorder = Recorder()
    with retry_clock(FakeClock()):
        run(Graph([flaky]), runner_kind, x=1, event_processors=[recorder])
    node_events = [e for e in recorder.events if getattr(e, "node_name", None) == "flaky"]
    kinds = [type(e) for e in node_events]
    assert kinds == [
        NodeStartEvent,
        NodeAttemptStartEvent,
        NodeAttemptEndEvent,
        NodeAttemptStartEvent,
        NodeAttemptEndEvent,
        NodeEndEvent,
    ]
    start, first, first_end, second, second_end, _ = node_events
    assert (first.attempt, first.delay) == (1, 0.0)
    assert (first_end.attempt, first_end.outcome, first_end.delay) == (1, "retry", 2.0)
    assert (first_end.error, first_end.error_type) == ("failure 1", "builtins.ValueError")
    assert (second.attempt, second.delay) == (2, 2.0)
    assert (second_end.outcome, second_end.error, second_end.delay) == ("success", None, None)
    # Each attempt is a span of its own, under the node execution's span.
    assert first.span_id == first_end.span_id != second.span_id == second_end.span_id
    assert {first.parent_span_id, second.parent_span_id} == {start.span_id}


def test_a_node_giving_up_ends_its_last_attempt_as_failure_then_errors():
    flaky, _ = flaky_node(5, RetryPolicy(2, [ValueError], initial_delay=0))
    recorder = Recorder()
    SyncRunner().run(Graph([flaky]), x=1, error_handling="continue", event_processors=[recorder])
    tail = [e for e in recorder.events if isinstance(e, (NodeAttemptEndEvent, NodeErrorEvent))]
    assert [(type(e).__name__, getattr(e, "outcome", None)) for e in tail] == [
        ("NodeAttemptEndEvent", "retry"),
        ("NodeAttemptEndEvent", "failure"),
        ("NodeErrorEvent", None),
    ]


def test_nodes_without_a_policy_emit_no_attempt_events():
    @node(output_name="y")
    def plain(x: int) -> int:
        return x

    recorder = Recorder()
    SyncRunner().run(Graph([plain]), x=1, event_processors=[recorder])
    assert not any(isinstance(e, NodeAttemptStartEvent) for e in recorder.events)


@pytest.mark.parametrize("runner_kind", RUNNERS)
def test_cached_results_are_never_retried(runner_kind):
    calls: list[int] = []

    @node(output_name="y", cache=True, retry=NO_DELAY)
    def expensive(x: int) -> int:
        calls.append(x)
        if len(calls) == 1:
            raise ValueError("first call fails")
        return x + 1

    cache = InMemoryCache()
    graph = Graph([expensive])
    for _ in range(2):
        recorder = Recorder()
        if runner_kind == "sync":
            result = SyncRunner(cache=cache).run(graph, x=1, event_processors=[recorder])
        else:
            runner = AsyncRunner(cache=cache)
            result = asyncio.run(runner.run(graph, x=1, event_processors=[recorder]))
        assert result["y"] == 2
    assert len(calls) == 2  # first run: one retry; second run: served from the cache
    assert not any(isinstance(e, NodeAttemptStartEvent) for e in recorder.events)
    assert any(isinstance(e, NodeEndEvent) and e.cached for e in recorder.events)


def test_async_delay_does_not_hold_a_max_concurrency_slot():
    order: list[str] = []
    tries: list[int] = []

    @node(output_name="a", retry=RetryPolicy(2, [ValueError], initial_delay=0.05, jitter="none"))
    async def retried(x: int) -> int:
        tries.append(1)
        order.append(f"retried attempt {len(tries)}")
        if len(tries) == 1:
            raise ValueError("transient")
        return x

    @node(output_name="b")
    async def sibling(x: int) -> int:
        order.append("sibling")
        return x

    graph = Graph([retried, sibling])
    asyncio.run(AsyncRunner().run(graph, x=1, max_concurrency=1))
    # With the slot held during the wait, the sibling could only run after both attempts.
    assert order == ["retried attempt 1", "sibling", "retried attempt 2"]
