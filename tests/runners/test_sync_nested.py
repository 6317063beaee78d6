"""SyncRunner with nested graphs and map_over GraphNodes (docs/guides/graphs.md)."""

from __future__ import annotations

import collections
from typing import Any

import pytest

from hypergraph import (
    END,
    Graph,
    GraphConfigError,
    IncompatibleRunnerError,
    SyncRunner,
    interrupt,
    node,
    route,
)
from hypergraph.checkpointers import MemoryCheckpointer
from hypergraph.events import EventProcessor


@node(output_name="tokens")
def tokenize(text: str) -> list[str]:
    return text.split()


@node(output_name="count")
def count_tokens(tokens: list[str]) -> int:
    return len(tokens)


counter = Graph([tokenize, count_tokens], name="counter")


def test_nested_graph_runs_as_one_node():
    outer = Graph([counter.as_node()])
    assert SyncRunner().run(outer, text="a b c").values == {"tokens": ["a", "b", "c"], "count": 3}


def test_nested_graph_exposes_only_its_selection():
    outer = Graph([counter.select("count").as_node()])
    assert SyncRunner().run(outer, text="a b").values == {"count": 2}


def test_three_levels_of_nesting():
    level2 = Graph([counter.as_node()], name="level2")
    level3 = Graph([level2.as_node()], name="level3")
    assert SyncRunner().run(Graph([level3.as_node()]), text="a b c d")["count"] == 4


def test_nested_exception_surfaces_with_original_type_and_message():
    class InnerError(Exception):
        pass

    @node(output_name="y")
    def broken(x: int) -> int:
        raise InnerError("inner went wrong")

    outer = Graph([Graph([broken], name="inner").as_node()])
    with pytest.raises(InnerError, match="inner went wrong"):
        SyncRunner().run(outer, x=1)
    result = SyncRunner().run(outer, x=1, error_handling="continue")
    assert isinstance(result.error, InnerError) and result.status == "failed"


def test_outer_values_override_the_inner_binding():
    @node(output_name="y")
    def scale(x: int, factor: int) -> int:
        return x * factor

    inner = Graph([scale], name="inner").bind(factor=2)
    outer = Graph([inner.as_node()])
    runner = SyncRunner()
    assert runner.run(outer, x=5)["y"] == 10  # inner binding applies
    assert runner.run(outer, x=5, factor=3)["y"] == 15  # supplied wins
    assert runner.run(outer.bind(factor=4), x=5)["y"] == 20  # outer binding wins


def test_inner_signature_default_applies_when_outer_gives_nothing():
    @node(output_name="y")
    def scale(x: int, factor: int = 7) -> int:
        return x * factor

    outer = Graph([Graph([scale], name="inner").as_node()])
    assert SyncRunner().run(outer, x=1)["y"] == 7
    assert SyncRunner().run(outer, x=1, factor=2)["y"] == 2


def test_nested_loop_uses_the_default_cap_not_the_outer_max_iterations():
    @node(output_name="count")
    def increment(count: int) -> int:
        return count + 1

    @route(targets=["increment", END])
    def check(count: int):
        return END if count >= 20 else "increment"

    loop = Graph([increment, check], name="loop")
    # The outer graph is a DAG of one node; its cap must not limit the inner loop
    # (docs/guides/graphs.md).
    result = SyncRunner().run(Graph([loop.as_node()]), count=0, max_iterations=1)
    assert result["count"] == 20


def test_nested_failure_under_continue_gives_a_failed_outer_result_with_the_original_error():
    @node(output_name="ratio")
    def divide(x: int) -> float:
        return 1 / x

    inner = Graph([divide], name="inner")
    result = SyncRunner().run(Graph([inner.as_node()]), x=0, error_handling="continue")
    assert result.status == "failed" and type(result.error) is ZeroDivisionError
    assert result.values == {}


def test_interrupt_in_nested_graph_is_refused_when_the_graph_node_runs():
    calls = []

    @node(output_name="draft")
    def write(topic: str) -> str:
        calls.append("write")
        return topic

    @interrupt(output_name="verdict")
    def review(draft: str):
        return None

    inner = Graph([review], name="approval")
    outer = Graph([write, inner.as_node()])
    with pytest.raises(IncompatibleRunnerError, match="InterruptNode"):
        SyncRunner().run(outer, topic="owls")
    result = SyncRunner().run(outer, topic="owls", error_handling="continue")
    assert calls == ["write", "write"]
    assert isinstance(result.error, IncompatibleRunnerError)
    assert result.values == {"draft": "owls"}


# ---------------------------------------------------------------- map_over
def test_map_over_outputs_lists_in_item_order():
    batch = Graph([counter.as_node().map_over("text")])
    result = SyncRunner().run(batch, text=["a b", "c d e", ""])
    assert result["count"] == [2, 3, 0]
    assert result["tokens"] == [["a", "b"], ["c", "d", "e"], []]


def test_map_over_zip_with_unequal_lengths_fails():
    @node(output_name="pair")
    def join(a: int, b: int) -> tuple[int, int]:
        return (a, b)

    batch = Graph([Graph([join], name="inner").as_node().map_over("a", "b")])
    with pytest.raises(ValueError, match="equal lengths"):
        SyncRunner().run(batch, a=[1, 2], b=[10])


def _maybe_failing_batch(error_handling):
    @node(output_name=("half", "label"))
    def halve(x: int) -> tuple[int, str]:
        if x % 2:
            raise ValueError(f"odd {x}")
        return x // 2, f"even {x}"

    inner = Graph([halve], name="halver")
    return Graph([inner.as_node().map_over("x", error_handling=error_handling)])


def test_map_over_continue_puts_none_in_every_output_list():
    result = SyncRunner().run(_maybe_failing_batch("continue"), x=[2, 3, 4])
    assert result["half"] == [1, None, 2]
    assert result["label"] == ["even 2", None, "even 4"]


def test_map_over_empty_list_gives_empty_lists():
    result = SyncRunner().run(Graph([counter.as_node().map_over("text")]), text=[])
    assert result.values == {"tokens": [], "count": []}


def test_map_over_clone_gives_each_item_its_own_copy():
    @node(output_name="ident")
    def identity_of(x: int, config: dict) -> int:
        config["seen"] = x
        return id(config)

    inner = Graph([identity_of], name="inner")
    shared_config: dict = {}
    shared = SyncRunner().run(
        Graph([inner.as_node().map_over("x")]), x=[1, 2], config=shared_config
    )
    assert len(set(shared["ident"])) == 1 and shared_config == {"seen": 2}

    cloned_config: dict = {}
    cloned = SyncRunner().run(
        Graph([inner.as_node().map_over("x", clone=True)]), x=[1, 2], config=cloned_config
    )
    assert cloned_config == {}
    assert id(cloned_config) not in cloned["ident"]


def test_map_over_clone_of_uncopyable_value_raises():
    import threading

    @node(output_name="y")
    def use(x: int, guard) -> int:
        return x

    batch = Graph([Graph([use], name="inner").as_node().map_over("x", clone=["guard"])])
    with pytest.raises(GraphConfigError, match="cannot be deep-copied"):
        SyncRunner().run(batch, x=[1], guard=threading.Lock())


def test_renamed_mapped_input_still_maps():
    batch = Graph([counter.as_node().map_over("text").with_inputs(text="texts")])
    assert SyncRunner().run(batch, texts=["a", "b c"])["count"] == [1, 2]


def test_value_bound_inside_a_nested_graph_also_feeds_an_outer_consumer():
    # InputSpec reports x as optional because the inner graph binds it, so an outer node that
    # reads x must get that bound value instead of silently never running.
    @node(output_name="inner_out")
    def inner_step(x: int) -> int:
        return x + 1

    @node(output_name="outer_out")
    def outer_step(x: int) -> int:
        return x * 10

    inner = Graph([inner_step], name="inner").bind(x=5)
    graph = Graph([outer_step, inner.as_node()])
    assert graph.inputs.optional == ("x",)

    result = SyncRunner().run(graph)
    assert result.values == {"outer_out": 50, "inner_out": 6}
    supplied = SyncRunner().run(graph, x=1)
    assert supplied.values == {"outer_out": 10, "inner_out": 2}


def test_graph_nested_600_levels_deep_runs_and_maps_and_reports_its_innermost_failure():
    @node(output_name="y")
    def check(x: int) -> int:
        if x < 0:
            raise ValueError("negative")
        return x + 1

    deep = _nest(Graph([check], name="core"), 600)
    runner = SyncRunner()
    assert runner.run(deep, x=1)["y"] == 2
    assert [result["y"] for result in runner.map(deep, x=[1, 2], map_over="x")] == [2, 3]
    with pytest.raises(ValueError, match="negative") as caught:
        runner.run(deep, x=-1)
    assert caught.value.__notes__ == ["hypergraph: raised by node 'check' of graph 'core'"]
    failed = runner.run(deep, x=-1, error_handling="continue")
    assert failed.status == "failed" and isinstance(failed.error, ValueError)
    path = "/".join([*(f"n{level}" for level in reversed(range(600))), "check"])
    assert failed.failed_node == path


def _nest(graph: Graph, levels: int) -> Graph:
    for level in range(levels):
        graph = Graph([graph.as_node(name=f"n{level}")], name=f"g{level}")
    return graph


def test_graph_nested_600_levels_deep_runs_with_events_and_a_checkpointer():
    """Observed runs take the run loop, which answers inner runs without recursing."""

    class CountsByKind(EventProcessor):
        def __init__(self) -> None:
            self.kinds: collections.Counter[str] = collections.Counter()

        def on_event(self, event: Any) -> None:
            self.kinds[type(event).__name__] += 1

    @node(output_name="y")
    def inc(x: int) -> int:
        return x + 1

    deep = _nest(Graph([inc], name="core"), 600)
    counter = CountsByKind()
    assert SyncRunner().run(deep, x=1, event_processors=[counter])["y"] == 2
    assert counter.kinds["RunStartEvent"] == counter.kinds["RunEndEvent"] == 601
    assert counter.kinds["NodeStartEvent"] == counter.kinds["NodeEndEvent"] == 601
    durable = SyncRunner(checkpointer=MemoryCheckpointer())
    assert durable.run(deep, x=1, workflow_id="deep")["y"] == 2
