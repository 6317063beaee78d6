"""A paused interrupt is a run whose last step is a pause: answer it later, anywhere."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hypergraph import (
    END,
    AsyncRunner,
    Graph,
    InputOverrideRequiresForkError,
    interrupt,
    node,
    route,
)
from hypergraph.checkpointers import StepStatus, WorkflowStatus


@dataclass
class Draft:
    text: str
    version: int


def review_graph(calls: list[str]) -> Graph:
    @node(output_name="draft")
    def write(topic: str) -> Draft:
        calls.append("write")
        return Draft(f"about {topic} #{len(calls)}", len(calls))

    @interrupt(output_name="decision")
    def review(draft: Draft) -> str | None:
        calls.append("review")
        return None

    @node(output_name="sent")
    def send(draft: Draft, decision: str) -> str:
        calls.append("send")
        return f"{decision}: {draft.text} (v{draft.version})"

    return Graph([write, review, send], name="review")


async def test_a_pause_resumes_with_only_the_answer(checkpointer) -> None:
    calls: list[str] = []
    graph = review_graph(calls)
    paused = await AsyncRunner(checkpointer=checkpointer).run(
        graph, topic="cats", workflow_id="r-1"
    )
    assert paused.paused and paused.pause.response_key == "decision"
    assert paused.workflow_id == "r-1"
    assert checkpointer.get_run("r-1").status is WorkflowStatus.PAUSED
    last = checkpointer.steps("r-1")[-1]
    assert (last.node_name, last.status) == ("review", StepStatus.PAUSED)

    fresh = AsyncRunner(checkpointer=checkpointer)  # a new process would do exactly this
    done = await fresh.run(graph, {"decision": "approved"}, workflow_id="r-1")
    assert done["sent"] == "approved: about cats #1 (v1)"  # the draft that was reviewed
    assert calls == ["write", "review", "send"]
    assert checkpointer.get_run("r-1").status is WorkflowStatus.COMPLETED


async def test_the_answer_is_not_an_input_override(checkpointer) -> None:
    graph = review_graph([])
    runner = AsyncRunner(checkpointer=checkpointer)
    await runner.run(graph, topic="cats", workflow_id="r-1")
    with pytest.raises(InputOverrideRequiresForkError):
        await runner.run(graph, {"topic": "dogs", "decision": "ok"}, workflow_id="r-1")
    done = await runner.run(graph, {"topic": "cats", "decision": "ok"}, workflow_id="r-1")
    assert done["sent"].startswith("ok: about cats")


async def test_a_nested_interrupt_resumes_in_place_with_a_dotted_key(checkpointer) -> None:
    calls: list[str] = []

    @node(output_name="topic")
    def pick(seed: int) -> str:
        calls.append("pick")
        return f"topic{seed}"

    @node(output_name="final")
    def shout(sent: str) -> str:
        calls.append("shout")
        return sent.upper()

    graph = Graph([pick, review_graph(calls).as_node(name="inner"), shout])
    runner = AsyncRunner(checkpointer=checkpointer)
    paused = await runner.run(graph, seed=7, workflow_id="n-1")
    assert paused.pause.response_key == "inner.decision"
    done = await AsyncRunner(checkpointer=checkpointer).run(
        graph, {"inner.decision": "yes"}, workflow_id="n-1"
    )
    assert done["final"] == "YES: ABOUT TOPIC7 #2 (V2)"
    assert calls == ["pick", "write", "review", "send", "shout"]


async def test_an_interrupt_in_a_loop_asks_again_each_turn(checkpointer) -> None:
    calls: list[str] = []

    @node(output_name="history")
    def respond(history: list[str], message: str) -> list[str]:
        calls.append(f"respond:{message}")
        return [*history, f"echo {message}"]

    @interrupt(output_name="message")
    def ask(history: list[str]) -> str | None:
        return None

    @route(targets=["ask", END])
    def more(history: list[str]) -> object:
        return END if len(history) >= 3 else "ask"

    graph = Graph([respond, ask, more], name="chat")
    runner = AsyncRunner(checkpointer=checkpointer)
    result = await runner.run(graph, history=[], message="hi", workflow_id="chat-1")
    for answer in ["two", "three"]:
        assert result.paused
        result = await AsyncRunner(checkpointer=checkpointer).run(
            graph, {"message": answer}, workflow_id="chat-1"
        )
    assert result.completed
    assert result["history"] == ["echo hi", "echo two", "echo three"]
    assert calls == ["respond:hi", "respond:two", "respond:three"]
