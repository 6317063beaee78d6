"""Agent loops (model -> route -> tool -> model ... -> END) give the right answer in every shape.

A fake model asks a calculator tool twice (args 1, then 2) and then answers with the tool
results, so a correct run ends with "The answers were [10, 20]". The shapes are the ones a user
porting a LangGraph-style loop writes first (see docs/guides/graphs.md, "Agent loops").
"""

from __future__ import annotations

from typing import Any

import pytest

from hypergraph import END, AsyncRunner, Graph, GraphConfigError, SyncRunner, node, route

Message = dict[str, Any]
QUESTION: list[Message] = [{"role": "user", "content": "What are 1 * 10 and 2 * 10?"}]
RIGHT_ANSWER = "The answers were [10, 20]"


def fake_model(messages: list[Message]) -> Message:
    """Call the calculator until it has two results, then answer with them."""
    results = [m["content"] for m in messages if m["role"] == "tool"]
    if len(results) < 2:
        return {"role": "assistant", "tool_call": {"args": len(results) + 1}}
    return {"role": "assistant", "content": f"The answers were {results}"}


def calculator(call: Message) -> Message:
    return {"role": "tool", "content": call["tool_call"]["args"] * 10}


# --- shape 2: the model outputs `response`, the tool appends to `messages` ----------------------
@node(output_name="response")
def model(messages: list[Message]) -> Message:
    return fake_model(messages)


@route(targets=["tool", END])
def needs_tool(response: Message) -> Any:
    return "tool" if "tool_call" in response else END


@node(output_name="messages")
def tool(messages: list[Message], response: Message) -> list[Message]:
    return [*messages, response, calculator(response)]


def test_tool_waits_for_the_routes_next_decision_instead_of_rerunning_on_its_own_output():
    result = SyncRunner().run(Graph([model, needs_tool, tool]), messages=QUESTION)
    assert result.status == "completed"
    assert result["response"]["content"] == RIGHT_ANSWER
    # question, then (call, result) twice: the tool ran exactly twice
    assert [m["role"] for m in result["messages"]] == ["user", *["assistant", "tool"] * 2]


async def test_async_runner_gives_the_same_answer_for_the_agent_loop():
    result = await AsyncRunner().run(Graph([model, needs_tool, tool]), messages=QUESTION)
    assert result["response"]["content"] == RIGHT_ANSWER


def test_agent_loop_gives_the_right_answer_whatever_the_node_order():
    result = SyncRunner().run(Graph([tool, needs_tool, model]), messages=QUESTION)
    assert result["response"]["content"] == RIGHT_ANSWER


# --- shape 3: shape 2 with explicit emit/wait_for (still right) -----------------------------------
def test_agent_loop_ordered_by_hand_with_emit_and_wait_for_still_gives_the_right_answer():
    thinking = node(output_name="response", emit="thought")(fake_model).with_name("model")
    waiting_tool = node(output_name="messages", wait_for="thought")(tool.func)
    graph = Graph([thinking, needs_tool, waiting_tool])
    result = SyncRunner().run(graph, messages=QUESTION)
    assert result["response"]["content"] == RIGHT_ANSWER
    assert len(result["messages"]) == 5


# --- shape 1: model and tool both return the whole `messages` list ------------------------------
@node(output_name="messages")
def chat_model(messages: list[Message]) -> list[Message]:
    return [*messages, fake_model(messages)]


@route(targets=["chat_tool", END])
def last_asks_tool(messages: list[Message]) -> Any:
    return "chat_tool" if "tool_call" in messages[-1] else END


@node(output_name="messages")
def chat_tool(messages: list[Message]) -> list[Message]:
    return [*messages, calculator(messages[-1])]


def test_model_and_tool_both_returning_messages_is_refused_at_build_time():
    with pytest.raises(GraphConfigError) as info:
        Graph([chat_model, last_asks_tool, chat_tool])
    message = str(info.value)
    assert "Multiple nodes produce 'messages'" in message
    assert "'chat_model'" in message and "'chat_tool'" in message
    assert "'last_asks_tool'" in message
    assert "output_name='reply'" in message


def test_ordering_the_two_message_writers_with_emit_and_wait_for_is_refused_too():
    # What the generic conflict hint used to suggest: it built a graph that completed after
    # one tool call with 3 messages instead of 6.
    emitting = node(output_name="messages", emit="model_done")(chat_model.func)
    waiting = node(output_name="messages", wait_for="model_done")(chat_tool.func)
    with pytest.raises(GraphConfigError, match="would run 'chat_model' only once"):
        Graph([emitting, last_asks_tool, waiting])


def test_following_the_build_time_hint_yields_a_correct_agent_loop():
    # The hint: the model returns only its reply under a new name; the route and the tool read
    # 'reply'; the tool appends the reply and its result to 'messages'.
    reply_model = node(output_name="reply")(fake_model).with_name("chat_model")

    @route(targets=["chat_tool", END])
    def last_asks_tool(reply: Message) -> Any:
        return "chat_tool" if "tool_call" in reply else END

    @node(output_name="messages")
    def chat_tool(messages: list[Message], reply: Message) -> list[Message]:
        return [*messages, reply, calculator(reply)]

    result = SyncRunner().run(Graph([reply_model, last_asks_tool, chat_tool]), messages=QUESTION)
    assert result["reply"]["content"] == RIGHT_ANSWER
