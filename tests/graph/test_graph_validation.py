"""Build-time validation (docs/guides/graphs.md): every mistake raises GraphConfigError."""

from __future__ import annotations

from typing import Any

import pytest

from hypergraph import END, Graph, GraphConfigError, ifelse, interrupt, node, route


@node(output_name="y")
def make_y(x: int) -> int:
    return x + 1


@node(output_name="z")
def use_y(y: int) -> int:
    return y * 2


def test_duplicate_node_names_raise():
    with pytest.raises(GraphConfigError, match="Duplicate node name: 'make_y'"):
        Graph([make_y, make_y])


@pytest.mark.parametrize("name", ["a.b", "a/b"])
def test_graph_names_with_dot_or_slash_raise(name):
    with pytest.raises(GraphConfigError, match="Invalid graph name"):
        Graph([make_y], name=name)


def test_graph_names_may_contain_dashes():
    assert Graph([make_y], name="my-graph").name == "my-graph"


def test_node_named_end_is_reserved():
    with pytest.raises(GraphConfigError, match="reserved"):
        Graph([make_y.with_name("END")])


@pytest.mark.parametrize("bad", ["", "class", "1abc", "my-node", "🙂"])
def test_node_names_must_be_identifiers(bad):
    with pytest.raises(GraphConfigError, match="Invalid node name"):
        Graph([make_y.with_name(bad)])


def test_lambda_nodes_need_a_real_name():
    with pytest.raises(GraphConfigError, match="Invalid node name"):
        Graph([node(lambda x: x, output_name="q")])


@pytest.mark.parametrize("bad", ["class", "2y", "a-b"])
def test_output_names_must_be_identifiers(bad):
    with pytest.raises(GraphConfigError, match="Invalid output name"):
        Graph([make_y.with_outputs(y=bad)])


def test_unicode_and_underscore_names_are_fine():
    graph = Graph([make_y.with_name("_größe").with_outputs(y="ñ")])
    assert graph.outputs == ("ñ",)


def test_graph_node_names_only_need_to_avoid_separators():
    inner = Graph([make_y], name="my-inner graph")
    assert list(Graph([inner.as_node()]).nodes) == ["my-inner graph"]


def test_graph_node_named_like_another_nodes_output_raises():
    inner = Graph([use_y], name="y")
    with pytest.raises(GraphConfigError, match="collides with output"):
        Graph([make_y, inner.as_node()])


def test_unequal_defaults_for_a_shared_parameter_raise():
    @node(output_name="a")
    def first(k: int = 1) -> int:
        return k

    @node(output_name="b")
    def second(k: int = 2) -> int:
        return k

    with pytest.raises(GraphConfigError, match="Inconsistent defaults for 'k'"):
        Graph([first, second])


def test_default_on_some_consumers_only_raises():
    @node(output_name="a")
    def first(k: int = 1) -> int:
        return k

    @node(output_name="b")
    def second(k: int) -> int:
        return k

    with pytest.raises(GraphConfigError, match="Inconsistent defaults for 'k'"):
        Graph([first, second])


def test_equal_defaults_are_fine_even_when_comparison_is_odd():
    class Weird:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("no comparison")

    shared = Weird()

    @node(output_name="a")
    def first(k: Any = shared) -> int:
        return 1

    @node(output_name="b")
    def second(k: Any = shared) -> int:
        return 2

    @node(output_name="c")
    def third(j: int = 3) -> int:
        return 3

    @node(output_name="d")
    def fourth(j: int = 3) -> int:
        return 4

    assert Graph([first, second, third, fourth]).inputs.optional == ("k", "j")


def test_inner_graph_bindings_are_not_defaults():
    @node(output_name="inner_out")
    def inner_step(k: int) -> int:
        return k

    @node(output_name="outer_out")
    def outer_step(k: int) -> int:
        return k

    inner = Graph([inner_step], name="inner").bind(k=5)
    outer = Graph([inner.as_node(), outer_step])
    assert outer.inputs.optional == ("k",)
    assert outer.inputs.bound == {"k": 5}


def test_gate_target_missing_from_the_graph_raises():
    @route(targets=["use_y", "elsewhere", END])
    def decide(y: int):
        return END

    with pytest.raises(GraphConfigError, match="targets unknown node 'elsewhere'"):
        Graph([make_y, decide, use_y])


def test_gate_target_naming_an_output_points_to_its_node():
    @route(targets=["y", END])
    def decide(x: int):
        return END

    with pytest.raises(GraphConfigError, match="'y' is an output of node 'make_y'"):
        Graph([make_y, decide, use_y])


def test_graph_given_a_single_node_says_to_pass_a_list():
    with pytest.raises(TypeError, match=r"list of nodes.*Graph\(\[make_y\]\)"):
        Graph(make_y)


def test_gate_targeting_itself_raises():
    @ifelse(when_true="check", when_false=END)
    def check(x: int) -> bool:
        return True

    with pytest.raises(GraphConfigError, match="cannot target itself"):
        Graph([check])


def test_gates_may_target_other_gates():
    @route(targets=["second_gate", END])
    def first_gate(x: int):
        return END

    @ifelse(when_true="make_y", when_false=END)
    def second_gate(x: int) -> bool:
        return True

    graph = Graph([first_gate, second_gate, make_y])
    assert graph.controlled_by == {"second_gate": ["first_gate"], "make_y": ["second_gate"]}


def test_mapped_graph_node_with_an_interrupt_raises():
    @interrupt(output_name="answer")
    def ask(y: int) -> str | None:
        return None

    inner = Graph([make_y, ask], name="inner")
    mapped = inner.as_node().map_over("x")
    with pytest.raises(GraphConfigError, match="InterruptNode"):
        Graph([mapped])
    deeper = Graph([inner.as_node()], name="outer").as_node().map_over("x")
    with pytest.raises(GraphConfigError, match="InterruptNode"):
        Graph([deeper])
    assert Graph([inner.as_node()]).nodes["inner"].name == "inner"


def test_unproduced_wait_for_name_raises_with_a_suggestion():
    @node(output_name="a", emit="loaded")
    def loader(x: int) -> int:
        return x

    @node(output_name="b", wait_for="loadded")
    def waiter(a: int) -> int:
        return a

    with pytest.raises(GraphConfigError, match="wait_for='loadded'") as info:
        Graph([loader, waiter])
    assert "Did you mean 'loaded'" in str(info.value)


def test_wait_for_a_data_output_is_fine():
    @node(output_name="b", wait_for="y")
    def waiter(x: int) -> int:
        return x

    graph = Graph([make_y, waiter])
    assert graph.nx_graph.edges["make_y", "waiter"]["edge_type"] == "ordering"


def test_function_node_self_loops_are_fine():
    @node(output_name="x")
    def grow(x: int) -> int:
        return x

    assert Graph([grow]).has_cycles


# ---------------------------------------------------------------------- strict_types
@node(output_name="value")
def produce_int(seed: int) -> int:
    return seed


def test_strict_types_rejects_incompatible_types():
    @node(output_name="out")
    def wants_str(value: str) -> str:
        return value

    with pytest.raises(GraphConfigError, match="Type mismatch"):
        Graph([produce_int, wants_str], strict_types=True)
    assert not Graph([produce_int, wants_str]).strict_types


def test_strict_types_accepts_a_compatible_union():
    @node(output_name="out")
    def wants_union(value: int | str) -> str:
        return str(value)

    assert Graph([produce_int, wants_union], strict_types=True).strict_types


def test_strict_types_rejects_missing_annotations():
    @node(output_name="out")
    def untyped(value):
        return value

    @node(output_name="value")
    def untyped_producer(seed: int):
        return seed

    @node(output_name="out")
    def typed(value: int) -> int:
        return value

    with pytest.raises(GraphConfigError, match="Missing type annotation"):
        Graph([produce_int, untyped], strict_types=True)
    with pytest.raises(GraphConfigError, match="Missing type annotation"):
        Graph([untyped_producer, typed], strict_types=True)


def test_strict_types_sees_through_graph_nodes():
    @node(output_name="out")
    def wants_str(value: str) -> str:
        return value

    inner = Graph([produce_int], name="inner")
    with pytest.raises(GraphConfigError, match="Type mismatch"):
        Graph([inner.as_node(), wants_str], strict_types=True)


def test_inconsistent_defaults_error_shortens_the_default_values():
    @node(output_name="a")
    def first(k: str = "a" * 1_000_000) -> str:
        return k

    @node(output_name="b")
    def second(k: str = "b" * 1_000_000) -> str:
        return k

    with pytest.raises(GraphConfigError, match="Inconsistent defaults for 'k'") as info:
        Graph([first, second])
    assert "(str of 1000000 chars)" in str(info.value)
    assert len(str(info.value)) < 800
