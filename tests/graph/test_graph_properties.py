"""Graph properties (docs/guides/graphs.md): nodes, outputs, facts for the engine, hash,
immutability."""

from __future__ import annotations

import hashlib
import pickle
import threading

import networkx as nx
import pytest

from hypergraph import END, Graph, InMemoryCache, InterruptNode, SyncRunner, interrupt, node, route
from hypergraph.engine.plan import get_plan


@node(output_name="y")
def make_y(x: int) -> int:
    return x + 1


@node(output_name="z")
def use_y(y: int) -> int:
    return y * 2


@node(output_name="side")
def side_output(x: int) -> int:
    return -x


@node(output_name="total")
def add_step(total: int, step: int = 2) -> int:
    return total + step


@route(targets=["add_step", END])
def keep_going(total: int):
    return END if total >= 10 else "add_step"


def test_nodes_is_a_copy_in_constructor_order():
    graph = Graph([use_y, make_y])
    nodes = graph.nodes
    assert list(nodes) == ["use_y", "make_y"]
    nodes.clear()
    nodes["intruder"] = make_y
    assert list(graph.nodes) == ["use_y", "make_y"]
    assert [n.name for n in graph.iter_nodes()] == ["use_y", "make_y"]


def test_outputs_are_unique_in_node_order_and_include_emit_names():
    @node(output_name="y", emit="y_ready")
    def emitter(x: int) -> int:
        return x

    graph = Graph([emitter, use_y])
    assert graph.outputs == ("y", "y_ready", "z")


def test_leaf_outputs_come_from_nodes_without_outgoing_edges():
    graph = Graph([make_y, use_y, side_output])
    assert graph.outputs == ("y", "z", "side")
    assert graph.leaf_outputs == ("z", "side")


def test_a_self_loop_is_an_outgoing_edge_so_its_node_is_not_a_leaf():
    # docs/guides/graphs.md: leaf outputs come from nodes without outgoing edges; a self-loop is
    # one.
    graph = Graph([add_step, use_y.with_inputs(y="total")])
    assert graph.nx_graph.has_edge("add_step", "add_step")
    assert graph.leaf_outputs == ("z",)
    assert Graph([add_step]).leaf_outputs == ()


def test_has_cycles_counts_gate_loops_and_self_loops_only():
    assert not Graph([make_y, use_y]).has_cycles
    assert Graph([add_step, keep_going]).has_cycles


def test_has_async_nodes_sees_nested_graphs():
    @node(output_name="y")
    async def fetch(x: int) -> int:
        return x

    inner = Graph([fetch], name="inner")
    assert inner.has_async_nodes
    assert Graph([inner.as_node(), use_y]).has_async_nodes
    assert not Graph([make_y, use_y]).has_async_nodes


def test_interrupt_nodes_are_listed_top_level_only():
    @interrupt(output_name="answer")
    def ask(y: int) -> str | None:
        return None

    graph = Graph([make_y, ask])
    assert graph.has_interrupts
    assert [n.name for n in graph.interrupt_nodes] == ["ask"]
    assert isinstance(graph.interrupt_nodes[0], InterruptNode)
    outer = Graph([Graph([make_y, ask], name="inner").as_node()])
    assert not outer.has_interrupts
    assert outer.interrupt_nodes == []


def test_producer_facts_for_the_engine():
    graph = Graph([add_step, keep_going])
    assert graph.controlled_by == {"add_step": ["keep_going"]}
    assert graph.self_producers == {"total": {"add_step"}}
    assert graph.sole_producers == {"total": "add_step"}


def test_definition_hash_ignores_node_order_and_bindings():
    graph = Graph([make_y, use_y])
    assert len(graph.definition_hash) == 64
    assert Graph([use_y, make_y]).definition_hash == graph.definition_hash
    assert graph.bind(x=3).definition_hash == graph.definition_hash
    assert graph.select("z").definition_hash == graph.definition_hash


def test_definition_hash_changes_with_a_function_body():
    def build(offset: int) -> Graph:
        namespace: dict = {}
        exec(f"def make_y(x):\n    return x + {offset}\n", namespace)
        return Graph([node(namespace["make_y"], output_name="y"), use_y])

    assert build(1).definition_hash != build(2).definition_hash
    assert build(1).definition_hash == build(1).definition_hash


def _nest(graph: Graph, levels: int) -> Graph:
    for level in range(levels):
        graph = Graph([graph.as_node(name=f"level{level}")], name=f"g{level}")
    return graph


def test_definition_hash_of_a_200_level_nested_graph_needs_no_deep_recursion():
    def build(offset: int) -> Graph:
        namespace: dict = {}
        exec(f"def make_y(x):\n    return x + {offset}\n", namespace)
        return _nest(Graph([node(namespace["make_y"], output_name="y")], name="core"), 200)

    deep = build(1)
    assert SyncRunner().run(deep, x=1)["y"] == 2
    assert len(deep.definition_hash) == 64
    assert build(1).definition_hash == deep.definition_hash
    assert build(2).definition_hash != deep.definition_hash  # the innermost body counts


def test_nested_hash_is_the_inner_hash_under_the_graph_node_name():
    inner = Graph([make_y, use_y], name="inner")
    outer = _nest(inner, 1)
    digest = hashlib.sha256(f"level0:{inner.definition_hash}\n".encode()).hexdigest()
    assert outer.definition_hash == digest


def test_a_cached_node_200_levels_deep_runs_once_across_two_runs():
    calls = []

    @node(output_name="y", cache=True)
    def counted(x: int) -> int:
        calls.append(x)
        return x * 10

    deep = _nest(Graph([counted], name="core"), 200)
    runner = SyncRunner(cache=InMemoryCache())
    assert runner.run(deep, x=4)["y"] == 40
    assert runner.run(deep, x=4)["y"] == 40
    assert calls == [4]


def test_definition_hash_changes_with_the_edges():
    inferred = Graph([make_y, use_y])
    unwired = Graph([make_y, use_y], edges=[])
    assert inferred.definition_hash != unwired.definition_hash


def test_graph_attributes_cannot_be_reassigned():
    graph = Graph([make_y], name="g")
    with pytest.raises(AttributeError, match="immutable"):
        graph.name = "other"
    with pytest.raises(AttributeError):
        graph.nodes = {}
    assert graph.name == "g"


def test_nx_graph_is_frozen():
    graph = Graph([make_y, use_y])
    with pytest.raises(Exception, match="[Ff]rozen"):
        graph.nx_graph.add_node("extra")


def test_derived_facts_are_not_shared_by_copies():
    graph = Graph([make_y, use_y])
    plan = get_plan(graph)
    assert get_plan(graph) is plan
    bound = graph.bind(x=1)
    assert get_plan(bound) is not plan and get_plan(bound).graph is bound


def test_graph_pickles_without_its_caches():
    graph = Graph([make_y, use_y], name="g").bind(x=1).select("z")
    plan = get_plan(graph)
    restored = pickle.loads(pickle.dumps(graph))
    assert restored.name == "g"
    assert restored.bound_values == {"x": 1}
    assert restored.selected == ("z",)
    assert get_plan(restored) is not plan and get_plan(restored).graph is restored
    assert restored.definition_hash == graph.definition_hash
    assert restored.inputs == graph.inputs


def test_lazy_facts_agree_across_threads():
    graph = Graph([add_step, keep_going, make_y, use_y])
    results: list[tuple] = []

    def read() -> None:
        results.append(
            (graph.inputs, graph.definition_hash, graph.has_cycles, dict(graph.controlled_by))
        )

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert all(result == results[0] for result in results)


def test_repr_names_the_graph_and_nodes():
    assert repr(Graph([make_y, use_y], name="g")) == "Graph(name='g', nodes=['make_y', 'use_y'])"


def test_non_node_items_raise_type_error():
    def plain(x):
        return x

    with pytest.raises(TypeError, match="@node"):
        Graph([plain])


def test_loop_through_a_second_producer_counts_as_a_cycle():
    @node(output_name="x", emit="ready")
    def init(seed: int) -> int:
        return seed

    @node(output_name="x", wait_for="ready")
    def step(x: int) -> int:
        return x + 1

    @route(targets=["step", END])
    def gate(x: int):
        return END if x > 3 else "step"

    graph = Graph([init, step, gate])
    # The inferred 'x' edges come from 'init' only, but 'step' feeds 'gate' at run time.
    assert nx.is_directed_acyclic_graph(graph.nx_graph)
    assert graph.has_cycles
    assert graph.inputs.required == ("seed",)
    assert graph.inputs.entrypoints == {}
