"""Facts of a graph's shape are computed once per structure and shared by derived graphs."""

from __future__ import annotations

from hypergraph import END, Graph, node, route


@node(output_name="count")
def step(count: int) -> int:
    return count + 1


@route(targets=["step", END])
def again(count: int) -> object:
    return END if count >= 3 else "step"


@node(output_name="seed")
def make_seed(x: int) -> int:
    return x


@node(output_name="total")
def add(seed: int, count: int) -> int:
    return seed + count


def test_data_cycles_find_self_feeding_nodes_and_are_memoised_per_scope():
    graph = Graph([make_seed, step, again, add])
    structure = graph._structure
    everything = structure.data_cycles(graph.nodes)
    assert everything == (frozenset({"step"}),)
    assert structure.data_cycles(list(graph.nodes)) is everything
    assert structure.data_cycles({"make_seed", "add"}) == ()


def test_consumers_and_producers_follow_node_order_and_are_shared_by_derived_graphs():
    graph = Graph([make_seed, step, again, add])
    structure = graph._structure
    assert structure.consumers["count"] == ("step", "again", "add")
    assert structure.signal_producers["count"] == ["step"]
    derived = graph.bind(x=1).select("total")
    assert derived._structure is structure


def test_a_loop_runs_the_same_from_a_derived_graph():
    from hypergraph import SyncRunner

    graph = Graph([step, again])
    assert SyncRunner().run(graph, count=0)["count"] == 3
    assert SyncRunner().run(graph.select("count"), count=0)["count"] == 3
