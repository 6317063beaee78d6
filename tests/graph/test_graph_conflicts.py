"""The output-conflict rule (docs/guides/graphs.md): several producers of a name must never race."""

from __future__ import annotations

import pytest

from hypergraph import END, Graph, GraphConfigError, ifelse, node, route


@node(output_name="y")
def fast(x: int) -> int:
    return x


@node(output_name="y")
def slow(x: int) -> int:
    return -x


@node(output_name="z")
def use_y(y: int) -> int:
    return y


def test_same_named_outputs_in_a_plain_dag_raise():
    with pytest.raises(GraphConfigError, match="Multiple nodes produce 'y'") as info:
        Graph([fast, slow, use_y])
    message = str(info.value)
    assert "emit" in message and "wait_for" in message and "exclusive" in message


def test_same_named_outputs_in_ifelse_branches_are_accepted():
    @ifelse(when_true="fast", when_false="slow")
    def pick(x: int) -> bool:
        return x > 0

    graph = Graph([pick, fast, slow, use_y])
    assert graph.outputs == ("y", "z")


def test_same_named_outputs_in_route_branches_are_accepted():
    @route(targets=["fast", "slow", END])
    def pick(x: int):
        return "fast"

    assert "y" in Graph([pick, fast, slow, use_y]).outputs


def test_same_named_outputs_under_multi_target_raise():
    @route(targets=["fast", "slow"], multi_target=True)
    def pick(x: int):
        return ["fast", "slow"]

    with pytest.raises(GraphConfigError, match="Multiple nodes produce 'y'"):
        Graph([pick, fast, slow, use_y])


def test_descendants_of_exclusive_branches_are_exclusive_too():
    @node(output_name="mid")
    def prepare(x: int) -> int:
        return x

    @node(output_name="y")
    def finish(mid: int) -> int:
        return mid

    @ifelse(when_true="prepare", when_false="slow")
    def pick(x: int) -> bool:
        return True

    assert "y" in Graph([pick, prepare, finish, slow]).outputs


def test_producers_ordered_with_emit_and_wait_for_are_accepted():
    @node(output_name="y", emit="first_done")
    def first(x: int) -> int:
        return x

    @node(output_name="y", wait_for="first_done")
    def second(x: int) -> int:
        return x + 1

    graph = Graph([first, second, use_y])
    assert graph.nx_graph.edges["first", "second"]["edge_type"] == "ordering"


def test_producers_ordered_by_other_data_are_accepted():
    @node(output_name=("y", "extra"))
    def first(x: int) -> tuple[int, int]:
        return x, x

    @node(output_name="y")
    def second(extra: int) -> int:
        return extra

    assert "y" in Graph([first, second]).outputs


def test_edges_carrying_only_the_contested_name_do_not_order_producers():
    @node(output_name="y")
    def init(x: int) -> int:
        return x

    @node(output_name="y")
    def refine(y: int) -> int:
        return y + 1

    # init -> refine carries only 'y', the contested name itself: no proof of order.
    with pytest.raises(GraphConfigError, match="Multiple nodes produce 'y'"):
        Graph([init, refine])


def test_explicit_edges_use_the_declared_topology():
    @node(output_name="y")
    def init(x: int) -> int:
        return x

    @node(output_name="y")
    def refine(y: int) -> int:
        return y + 1

    graph = Graph([init, refine], edges=[("init", "refine")])
    assert graph.nx_graph.edges["init", "refine"]["value_names"] == ["y"]

    with pytest.raises(GraphConfigError, match="Multiple nodes produce 'y'") as info:
        Graph([init, refine], edges=[])
    assert "add an edge" in str(info.value)


def test_a_gate_loop_with_branch_producers_is_accepted():
    @node(output_name="state")
    def grow(state: int) -> int:
        return state + 1

    @node(output_name="state")
    def shrink(state: int) -> int:
        return state - 1

    @ifelse(when_true="grow", when_false="shrink")
    def direction(state: int) -> bool:
        return state < 5

    graph = Graph([direction, grow, shrink])
    assert graph.has_cycles


def test_several_nodes_may_emit_the_same_signal():
    @node(output_name="a", emit="tick")
    def one(x: int) -> int:
        return x

    @node(output_name="b", emit="tick")
    def two(x: int) -> int:
        return x

    assert Graph([one, two]).outputs == ("a", "tick", "b")
