"""Typical user code; tests/test_typing.py type-checks it with ``mypy --strict`` and runs it.

Every line here is something a user writes against the public API. If a change to hypergraph's
annotations makes ordinary code like this fail to type-check, the typing test fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

from hypergraph import (
    END,
    AsyncRunner,
    FunctionNode,
    Graph,
    GraphNode,
    IfElseNode,
    InMemoryCache,
    InterruptNode,
    RouteNode,
    RunResult,
    RunStatus,
    SyncRunner,
    ifelse,
    interrupt,
    node,
    route,
)


@node(output_name="tokens")
def tokenize(text: str) -> list[str]:
    return text.split()


@node(output_name="count", cache=True)
def count_tokens(tokens: list[str]) -> int:
    return len(tokens)


@node
def log_count(count: int) -> None:
    print(count)


def double(x: int) -> int:
    return x * 2


@node(output_name=("mean", "spread"))
def stats(values: list[float]) -> tuple[float, float]:
    return sum(values) / len(values), max(values) - min(values)


@node(output_name="squares")
def squares(n: int) -> Iterator[int]:
    for i in range(n):
        yield i * i


@node(output_name="answer")
async def fetch(question: str) -> str:
    await asyncio.sleep(0)
    return question.upper()


@node(output_name="chunks")
async def stream(answer: str) -> AsyncIterator[str]:
    for word in answer.split():
        yield word


@node(output_name="total")
def add_step(total: int, step: int = 2) -> int:
    return total + step


@route(targets=["add_step", END])
def keep_going(total: int) -> str | type[END]:
    return END if total >= 10 else "add_step"


@ifelse(when_true="shout", when_false="whisper")
def is_loud(text: str) -> bool:
    return text.isupper()


@node(output_name="said")
def shout(text: str) -> str:
    return text + "!"


@node(output_name="said")
def whisper(text: str) -> str:
    return text.lower()


@interrupt(output_name="decision")
def review(answer: str) -> str | None:
    return None


# Decorated functions are nodes, not "node or callable" unions.
tokenize_node: FunctionNode = tokenize
route_node: RouteNode = keep_going
ifelse_node: IfElseNode = is_loud
interrupt_node: InterruptNode = review
doubled: FunctionNode = node(double, output_name="y")
renamed: FunctionNode = tokenize.with_inputs(text="document").with_name("tokenize_doc")
names: tuple[str, ...] = tokenize.inputs + tokenize.outputs


def run_sync() -> int:
    pipeline = Graph([tokenize, count_tokens, log_count], name="pipeline")
    required: tuple[str, ...] = pipeline.inputs.required
    assert required == ("text",)
    runner = SyncRunner(cache=InMemoryCache())
    result: RunResult = runner.run(pipeline, text="a b c")
    assert result.status == RunStatus.COMPLETED
    count: int = result["count"]

    calc = Graph([node(double, output_name="y")])
    assert runner.run(calc, {"x": 2})["y"] == 4

    loop = Graph([add_step, keep_going])
    assert runner.run(loop, total=1)["total"] == 11

    branch = Graph([is_loud, shout, whisper])
    assert runner.run(branch, text="HEY")["said"] == "HEY!"

    outer = Graph([pipeline.as_node(), node(double, output_name="y").with_inputs(x="count")])
    inner: GraphNode = pipeline.as_node(name="inner").map_over("text")
    assert isinstance(inner, GraphNode)
    assert runner.run(outer, text="a b")["y"] == 4

    results: list[RunResult] = runner.map(pipeline, text=["a", "a b"], map_over="text")
    counts = [r["count"] for r in results]
    assert counts == [1, 2]

    bound = pipeline.bind(text="x y z").select("count")
    assert runner.run(bound).values == {"count": 3}
    return count


async def run_async() -> str:
    runner = AsyncRunner()
    graph = Graph([fetch, stream, review])
    result = await runner.run(graph, question="why not")
    assert result.status == RunStatus.PAUSED
    assert result.pause is not None
    key: str = result.pause.response_key
    resumed = await runner.run(graph, {key: "approved"}, question="why not")
    decision: str = resumed["decision"]
    batch = await runner.map(Graph([fetch]), question=["a", "b"], map_over="question")
    assert [r["answer"] for r in batch] == ["A", "B"]
    return decision


def main() -> None:
    assert run_sync() == 3
    assert asyncio.run(run_async()) == "approved"
    assert stats([1.0, 3.0]) == (2.0, 2.0)
    assert doubled(3) == 6


if __name__ == "__main__":
    main()
