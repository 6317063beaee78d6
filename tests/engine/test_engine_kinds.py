"""Each node is compiled to one kind, and the kind alone says how it is called and cached."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from hypergraph import END, Graph, InMemoryCache, SyncRunner, ifelse, interrupt, node
from hypergraph.engine import compile_plan
from hypergraph.engine.kinds import STRATEGIES, NodeKind


@node(output_name="a")
def plain(x: int) -> int:
    return x


@node(output_name="b")
def items(a: int) -> Iterator[int]:
    yield a


@node(output_name="c")
async def awaited(a: int) -> int:
    return a


@node(output_name="d")
async def streamed(a: int) -> AsyncIterator[int]:
    yield a


@ifelse(when_true="plain", when_false=END)
def decide(a: int) -> bool:
    return False


@interrupt(output_name="answer")
def ask(a: int) -> None:
    return None


def test_every_node_type_compiles_to_its_kind():
    inner = Graph([plain], name="inner")
    graph = Graph(
        [
            plain,
            items,
            awaited,
            streamed,
            decide,
            ask,
            inner.as_node(name="once").with_inputs(x="y").with_outputs(a="a1"),
            inner.as_node(name="each").with_inputs(x="xs").with_outputs(a="a2").map_over("xs"),
        ]
    )
    kinds = {p.name: p.kind for p in compile_plan(graph).nodes}
    assert kinds == {
        "plain": NodeKind.FUNCTION,
        "items": NodeKind.GENERATOR,
        "awaited": NodeKind.ASYNC,
        "streamed": NodeKind.ASYNC_GENERATOR,
        "decide": NodeKind.GATE,
        "ask": NodeKind.INTERRUPT,
        "once": NodeKind.GRAPH,
        "each": NodeKind.MAPPED_GRAPH,
    }


def test_every_kind_is_exactly_one_of_sync_leaf_async_leaf_or_nested():
    for kind, strategy in STRATEGIES.items():
        assert strategy.kind is kind
        assert [strategy.sync_leaf, strategy.async_leaf, strategy.nested].count(True) == 1
        meanings = [strategy.returns_values, strategy.decides, strategy.pauses, strategy.nested]
        assert meanings.count(True) == 1
    assert set(STRATEGIES) == set(NodeKind)


def test_a_cached_generator_is_drained_once_and_served_from_the_cache():
    calls: list[int] = []

    @node(output_name="values", cache=True)
    def numbers(n: int) -> Iterator[int]:
        calls.append(n)
        yield from range(n)

    runner = SyncRunner(cache=InMemoryCache())
    first = runner.run(Graph([numbers]), n=3)
    second = runner.run(Graph([numbers]), n=3)
    assert first["values"] == second["values"] == [0, 1, 2]
    assert calls == [3]
