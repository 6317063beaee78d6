"""Attempt timeouts: async nodes under AsyncRunner are cancelled; sync nodes refuse a timeout."""

from __future__ import annotations

import asyncio
import time

import pytest

from hypergraph import (
    AsyncRunner,
    AttemptTimeoutError,
    Graph,
    NodeAttemptEndEvent,
    RetryPolicy,
    RunStatus,
    node,
)
from hypergraph.events import EventProcessor


def test_async_node_past_its_timeout_fails_fast_and_leaves_no_task_running():
    stopped: list[str] = []

    @node(output_name="y", timeout=0.1)
    async def hangs(x: int) -> int:
        try:
            await asyncio.sleep(10)
        finally:
            stopped.append("cancelled")
        return x

    async def main() -> tuple[BaseException, set[asyncio.Task]]:
        with pytest.raises(AttemptTimeoutError) as caught:
            await AsyncRunner().run(Graph([hangs]), x=1)
        return caught.value, asyncio.all_tasks() - {asyncio.current_task()}

    started = time.monotonic()
    error, leftover = asyncio.run(main())
    assert time.monotonic() - started < 1.0
    assert leftover == set()
    assert stopped == ["cancelled"]  # the body was cancelled before the error was raised
    assert isinstance(error, TimeoutError)
    assert (error.node_name, error.timeout, error.attempt) == ("hangs", 0.1, 1)
    assert "timeout=0.1s" in str(error) and "'hangs'" in str(error)


def test_timed_out_attempt_is_retried_when_listed_in_retry_on():
    attempts: list[int] = []

    policy = RetryPolicy(3, [AttemptTimeoutError], initial_delay=0)

    @node(output_name="y", timeout=0.05, retry=policy)
    async def sometimes_slow(x: int) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            await asyncio.sleep(10)
        return x + 1

    assert asyncio.run(AsyncRunner().run(Graph([sometimes_slow]), x=1))["y"] == 2
    assert len(attempts) == 2


def test_timeout_not_listed_in_retry_on_fails_the_node_at_once():
    attempts: list[int] = []

    @node(output_name="y", timeout=0.05, retry=RetryPolicy(3, [ValueError], initial_delay=0))
    async def slow(x: int) -> int:
        attempts.append(1)
        await asyncio.sleep(10)
        return x

    result = asyncio.run(AsyncRunner().run(Graph([slow]), x=1, error_handling="continue"))
    assert result.status is RunStatus.FAILED
    assert isinstance(result.error, AttemptTimeoutError)
    assert len(attempts) == 1


def test_fast_node_with_a_timeout_returns_its_value_and_reports_one_attempt():
    class Recorder(EventProcessor):
        def __init__(self) -> None:
            self.ends: list[NodeAttemptEndEvent] = []

        def on_event(self, event: object) -> None:
            if isinstance(event, NodeAttemptEndEvent):
                self.ends.append(event)

    @node(output_name="y", timeout=5)
    async def quick(x: int) -> int:
        return x * 3

    recorder = Recorder()
    result = asyncio.run(AsyncRunner().run(Graph([quick]), x=2, event_processors=[recorder]))
    assert result["y"] == 6
    assert [(e.attempt, e.outcome) for e in recorder.ends] == [(1, "success")]


def test_async_generator_node_is_cancelled_past_its_timeout():
    @node(output_name="items", timeout=0.05)
    async def stream(n: int):  # type: ignore[no-untyped-def]
        for i in range(n):
            await asyncio.sleep(1)
            yield i

    with pytest.raises(AttemptTimeoutError):
        asyncio.run(AsyncRunner().run(Graph([stream]), n=3))


def test_timeout_on_a_sync_node_is_refused_when_the_node_is_built():
    with pytest.raises(ValueError, match="cannot be interrupted safely") as caught:

        @node(output_name="y", timeout=1)
        def blocking(x: int) -> int:
            return x

    assert "'blocking'" in str(caught.value) and "async def" in str(caught.value)


@pytest.mark.parametrize("bad", [0, -1, "5", True])
def test_timeout_must_be_a_positive_number(bad):
    with pytest.raises((TypeError, ValueError), match="timeout"):

        @node(output_name="y", timeout=bad)
        async def f(x: int) -> int:
            return x


def test_retry_must_be_a_retry_policy():
    with pytest.raises(TypeError, match="RetryPolicy"):

        @node(output_name="y", retry=3)  # type: ignore[arg-type]
        def f(x: int) -> int:
            return x
