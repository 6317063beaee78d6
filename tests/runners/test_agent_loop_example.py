"""examples/agent_loop.py: a fake model, a tool-picking route, two tools and max_iterations."""

from __future__ import annotations

import pytest
from _examples import load_example

from hypergraph import InfiniteLoopError


def test_agent_example_prints_the_answer_built_from_every_tool_result(capsys, monkeypatch):
    example = load_example("agent_loop.py")
    monkeypatch.setattr("sys.argv", ["agent_loop.py"])
    example.main()
    out = capsys.readouterr().out
    assert "status: completed" in out
    assert out.count("model calls calculator") == 2 and out.count("model calls lookup") == 1
    assert "answer: The answers were [10, 20], and the capital of France is Paris." in out


def test_each_tool_call_runs_once_and_the_route_sends_it_to_the_named_tool():
    example = load_example("agent_loop.py")
    result = example.ask(example.QUESTION)
    tool_results = [m["content"] for m in result["messages"] if m["role"] == "tool"]
    assert tool_results == [10, 20, "Paris"]


def test_a_model_that_never_stops_calling_tools_hits_max_iterations(monkeypatch):
    example = load_example("agent_loop.py")

    def runaway(messages):
        return {"role": "assistant", "tool_call": {"tool": "calculator", "args": {"a": 1, "b": 1}}}

    monkeypatch.setattr(example, "fake_llm", runaway)
    with pytest.raises(InfiniteLoopError, match="max_iterations=12"):
        example.ask(example.QUESTION, max_iterations=12)
