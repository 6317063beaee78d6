"""The run loop is sans-IO: a minimal asyncio driver reuses it and runners/loop/call.py unchanged.

This is the seam an AsyncRunner builds on. The driver below only decides *how* calls run
(awaited concurrently); scheduling, failure handling, pauses and results come from
``run_steps``.
"""

from __future__ import annotations

import asyncio
import inspect

import pytest

from hypergraph import Graph, interrupt, node
from hypergraph.engine.kinds import NodeKind
from hypergraph.nodes import FunctionNode, GraphNode, IfElseNode, InterruptNode, RouteNode
from hypergraph.runners.checks.arguments import prepare_run
from hypergraph.runners.loop.call import (
    RunContext,
    fail_call,
    finish_call,
)
from hypergraph.runners.loop.steps import run_steps
from hypergraph.runners.result import RunnerCapabilities, RunStatus


class MiniAsyncRunner:
    """Just enough of a runner for prepare_run, plus an asyncio driver."""

    capabilities = RunnerCapabilities(supports_async_nodes=True, supports_interrupts=True)
    supported_node_types = {FunctionNode, GraphNode, IfElseNode, RouteNode, InterruptNode}
    default_max_iterations = 1000

    async def run(self, graph, values=None, error_handling="raise", parent=None):
        prepared = prepare_run(graph, values, None, runner=self, error_handling=error_handling)
        ctx = parent.child() if parent is not None else RunContext(self)
        steps = run_steps(graph, prepared, ctx, self.default_max_iterations)
        try:
            calls = next(steps)
            while True:
                await asyncio.gather(*(self._execute(call) for call in calls))
                calls = steps.send(calls)
        except StopIteration as stop:
            return stop.value

    async def _execute(self, call):
        try:
            kind = call.kind
            if kind is NodeKind.GRAPH:
                raw = await self.run(call.node.graph, call.kwargs, parent=call.ctx)
            elif kind is NodeKind.ASYNC_GENERATOR:
                raw = [item async for item in call.func(*call.args, **call.kwargs)]
            else:
                raw = call.func(*call.args, **call.kwargs)
                if kind in (NodeKind.ASYNC, NodeKind.INTERRUPT) and inspect.isawaitable(raw):
                    raw = await raw
                elif kind is NodeKind.GENERATOR:
                    raw = list(raw)
            finish_call(call, raw)
        except Exception as exc:
            fail_call(call, exc)


def test_async_nodes_of_one_superstep_run_concurrently():
    both_started = asyncio.Event()
    started = []

    async def wait_for_partner(name: str) -> str:
        started.append(name)
        if len(started) == 2:
            both_started.set()
        await asyncio.wait_for(both_started.wait(), timeout=5)
        return name

    @node(output_name="left")
    async def left(x: int) -> str:
        return await wait_for_partner("left")

    @node(output_name="right")
    async def right(x: int) -> str:
        return await wait_for_partner("right")

    @node(output_name="both")
    def join(left: str, right: str) -> str:
        return left + right

    result = asyncio.run(MiniAsyncRunner().run(Graph([left, right, join]), {"x": 1}))
    assert result.values == {"left": "left", "right": "right", "both": "leftright"}


def test_async_generator_output_is_a_list():
    @node(output_name="items")
    async def stream(n: int):
        for i in range(n):
            yield i

    result = asyncio.run(MiniAsyncRunner().run(Graph([stream]), {"n": 3}))
    assert result["items"] == [0, 1, 2]


@node(output_name="draft")
def write(topic: str) -> str:
    return f"Notes on {topic}"


@interrupt(output_name="verdict")
def review(draft: str):
    return None


@node(output_name="published")
def publish(draft: str, verdict: str) -> str:
    return f"{draft} [{verdict}]"


def test_interrupt_pauses_and_resumes_with_the_supplied_answer():
    graph = Graph([write, review, publish])
    runner = MiniAsyncRunner()
    paused = asyncio.run(runner.run(graph, {"topic": "owls"}))
    assert paused.status == RunStatus.PAUSED and paused.paused
    assert paused.pause.node_name == "review"
    assert paused.pause.value == "Notes on owls"
    assert paused.pause.response_key == "verdict"
    assert paused.values == {"draft": "Notes on owls"}
    done = asyncio.run(runner.run(graph, {"topic": "owls", "verdict": "ok"}))
    assert done.completed and done["published"] == "Notes on owls [ok]"


def test_nested_interrupt_pause_carries_the_graph_node_prefix():
    inner = Graph([review], name="inner")
    outer = Graph([write, inner.as_node(), publish])
    paused = asyncio.run(MiniAsyncRunner().run(outer, {"topic": "owls"}))
    assert paused.pause.node_name == "inner/review"
    assert paused.pause.response_key == "inner.verdict"


def test_value_returning_interrupt_resolves_without_pausing():
    @interrupt(output_name="verdict")
    async def auto_review(draft: str):
        return "auto"

    graph = Graph([write, auto_review, publish])
    result = asyncio.run(MiniAsyncRunner().run(graph, {"topic": "owls"}))
    assert result["published"] == "Notes on owls [auto]"


def test_raising_interrupt_handler_becomes_runtime_error():
    @interrupt(output_name="verdict")
    def broken_review(draft: str):
        raise KeyError("no reviewer")

    graph = Graph([write, broken_review, publish])
    with pytest.raises(RuntimeError, match="no reviewer") as info:
        asyncio.run(MiniAsyncRunner().run(graph, {"topic": "owls"}))
    assert isinstance(info.value.__cause__, KeyError)


def test_interrupt_in_a_loop_pauses_again_after_being_answered():
    @interrupt(output_name="answer")
    def ask(turn: int):
        return None

    @node(output_name="turn")
    def advance(turn: int, answer: str) -> int:
        return turn + 1

    graph = Graph([ask, advance])
    first = asyncio.run(MiniAsyncRunner().run(graph, {"turn": 0}))
    assert first.paused and first.pause.value == 0
    # The supplied answer covers the first turn only; the interrupt runs alone before advance.
    second = asyncio.run(MiniAsyncRunner().run(graph, {"turn": 0, "answer": "yes"}))
    assert second.paused and second.pause.value == 1
    assert second["turn"] == 1


def test_continue_mode_awaits_siblings_and_keeps_their_outputs():
    @node(output_name="ok")
    async def fine(x: int) -> int:
        await asyncio.sleep(0)
        return x

    @node(output_name="bad")
    async def broken(x: int) -> int:
        raise ValueError("broken")

    graph = Graph([broken, fine])
    result = asyncio.run(MiniAsyncRunner().run(graph, {"x": 1}, error_handling="continue"))
    assert result.status == "failed" and isinstance(result.error, ValueError)
    assert result.values == {"ok": 1}
