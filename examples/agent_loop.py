"""An agent loop: a model calls tools until it can answer, a route sends each call to its tool.

The graph is the loop LangGraph users know (model → route → tool → model ... → END):

- ``model`` reads the conversation (``messages``) and returns its next ``response``: either a
  tool call or the final answer. It is a fake, scripted model, so the example runs offline.
- ``pick_tool`` is a ``@route``: it sends a tool call to the tool it names, and a final answer
  to ``END``.
- ``calculator`` and ``lookup`` run the call and append the model's response and the tool's
  result to ``messages``. That new conversation makes ``model`` run again.

Only the tools write ``messages``; the model returns its reply under its own name. A tool reads
``messages`` and writes it, and it does not run again on its own output: it waits for the route's
next decision (see "Agent loops" in docs/guides/graphs.md). ``max_iterations`` caps the
supersteps of the loop, so a model that never stops calling tools fails with
``InfiniteLoopError`` instead of running forever.

Run it with ``python examples/agent_loop.py``; in a terminal it shows live progress bars.
"""

from __future__ import annotations

import sys
from typing import Any

from _progress import progress_processors  # sibling helper: bars in a terminal only

from hypergraph import END, Graph, RunResult, SyncRunner, node, route

Message = dict[str, Any]

QUESTION = "What are 1 * 10 and 2 * 10, and what is the capital of France?"
CAPITALS = {"France": "Paris", "Japan": "Tokyo", "Peru": "Lima"}


def fake_llm(messages: list[Message]) -> Message:
    """A scripted model: two calculator calls, one lookup, then an answer built from the results."""
    results = [m["content"] for m in messages if m["role"] == "tool"]
    plan = [
        {"tool": "calculator", "args": {"a": 1, "b": 10}},
        {"tool": "calculator", "args": {"a": 2, "b": 10}},
        {"tool": "lookup", "args": {"country": "France"}},
    ]
    if len(results) < len(plan):
        return {"role": "assistant", "tool_call": plan[len(results)]}
    products, capital = results[:2], results[2]
    return {
        "role": "assistant",
        "content": f"The answers were {products}, and the capital of France is {capital}.",
    }


@node(output_name="response")
def model(messages: list[Message]) -> Message:
    """Ask the model for its next step, given the conversation so far."""
    return fake_llm(messages)


@route(targets=["calculator", "lookup", END])
def pick_tool(response: Message) -> Any:
    """A tool call goes to the tool it names; a final answer ends the loop."""
    call = response.get("tool_call")
    return call["tool"] if call else END


@node(output_name="messages")
def calculator(messages: list[Message], response: Message) -> list[Message]:
    """Multiply the two numbers of the call; append the call and the product."""
    args = response["tool_call"]["args"]
    return [*messages, response, {"role": "tool", "content": args["a"] * args["b"]}]


@node(output_name="messages")
def lookup(messages: list[Message], response: Message) -> list[Message]:
    """Look up a capital; append the call and the answer."""
    country = response["tool_call"]["args"]["country"]
    return [*messages, response, {"role": "tool", "content": CAPITALS.get(country, "unknown")}]


agent = Graph([model, pick_tool, calculator, lookup], name="agent")


def ask(question: str, *, max_iterations: int = 50) -> RunResult:
    """Run the agent on one question (raises ``InfiniteLoopError`` past ``max_iterations``)."""
    return SyncRunner().run(
        agent,
        messages=[{"role": "user", "content": question}],
        max_iterations=max_iterations,
        event_processors=progress_processors(),
    )


def main() -> None:
    question = " ".join(sys.argv[1:]) or QUESTION
    result = ask(question)
    print("status:", result.status.value)
    for message in result["messages"][1:]:
        if message["role"] == "assistant":
            call = message["tool_call"]
            print(f"  model calls {call['tool']}({call['args']})")
        else:
            print(f"  tool returns {message['content']!r}")
    print("answer:", result["response"]["content"])


if __name__ == "__main__":
    main()
