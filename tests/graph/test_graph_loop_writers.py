"""Build time: a loop rewriting a name that an ungated writer of it reads is refused with a fix."""

from __future__ import annotations

from typing import Any

import pytest

from hypergraph import END, Graph, GraphConfigError, SyncRunner, ifelse, node, route


@node(output_name="messages", emit="drafted")
def draft(messages: list[str]) -> list[str]:
    return [*messages, "draft"]


@node(output_name="messages", wait_for="drafted")
def revise(messages: list[str]) -> list[str]:
    return [*messages, "revision"]


def test_gate_deciding_on_a_value_computed_from_the_rewritten_name_is_refused():
    @node(output_name="last")
    def peek(messages: list[str]) -> str:
        return messages[-1]

    @route(targets=["revise", END])
    def again(last: str) -> Any:
        return END if last == "revision" else "revise"

    with pytest.raises(GraphConfigError) as info:
        Graph([draft, peek, again, revise])
    message = str(info.value)
    assert "'draft' and 'revise' both write it" in message
    assert "loop through gate 'again'" in message
    assert "How to fix" in message and "give its output a name of its own" in message


def test_pipeline_stages_rewriting_a_name_in_order_are_accepted_and_each_runs_once():
    graph = Graph([draft, revise])
    assert SyncRunner().run(graph, messages=["q"])["messages"] == ["q", "draft", "revision"]


def test_branch_rewriting_a_name_under_a_gate_that_ignores_it_is_accepted():
    @ifelse(when_true="revise", when_false=END)
    def wants_revision(mode: str) -> bool:
        return mode == "careful"

    graph = Graph([draft, wants_revision, revise])
    result = SyncRunner().run(graph, messages=["q"], mode="careful")
    assert result["messages"] == ["q", "draft", "revision"]
