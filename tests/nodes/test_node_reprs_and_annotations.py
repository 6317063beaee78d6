"""Compatibility details of node reprs and GraphNode annotations."""

from __future__ import annotations

from hypergraph import END, Graph, ifelse, node, route


@route(targets=["step", END])
def decide(x: int) -> object:
    return END


@ifelse(when_true="step", when_false=END)
def check(x: int) -> bool:
    return True


@node(output_name="y")
def step(x: int) -> int:
    return x


def test_renamed_gate_repr_shows_its_function():
    assert (
        repr(decide.with_name("my_gate"))
        == "RouteNode(decide as 'my_gate', targets=['step', 'END'])"
    )
    assert repr(check.with_name("gate2")) == "IfElseNode(check as 'gate2', true=step, false=END)"
    assert repr(decide) == "RouteNode(decide, targets=['step', 'END'])"


def test_renamed_function_and_graph_node_reprs_show_the_original():
    assert repr(step.with_name("other")) == "FunctionNode(step as 'other', outputs=('y',))"
    inner = Graph([step], name="inner")
    assert repr(inner.as_node().with_name("wrapped")).startswith("GraphNode(inner as 'wrapped',")
    assert repr(inner.as_node()).startswith("GraphNode(inner,")


def test_graph_node_output_annotation_lists_untyped_outputs_as_none():
    @node(output_name=("a", "b"))
    def untyped(x):
        return x, x

    @node(output_name="c")
    def typed(a) -> int:
        return 1

    wrapped = Graph([untyped, typed], name="inner").as_node()
    assert wrapped.output_annotation == {"a": None, "b": None, "c": int}
    assert wrapped.map_over("x").output_annotation == {"a": list, "b": list, "c": list[int]}
