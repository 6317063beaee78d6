"""InputSpec (docs/guides/graphs.md): required, optional, entrypoints and bound, per active
scope."""

from __future__ import annotations

import dataclasses

import pytest

from hypergraph import END, Graph, InputSpec, ifelse, interrupt, node, route
from hypergraph.graph import compute_input_spec


@node(output_name="rows")
def load(path: str) -> list:
    return [path]


@node(output_name="table")
def clean(rows: list, limit: int = 100) -> list:
    return rows[:limit]


@node(output_name="summary")
def report(table: list, title: str) -> str:
    return f"{title}: {table}"


@node(output_name="count")
def increment(count: int) -> int:
    return count + 1


@route(targets=["increment", END])
def should_continue(count: int):
    return END if count >= 3 else "increment"


def test_spec_example_required_optional_and_narrowing():
    graph = Graph([load, clean, report])
    assert (graph.inputs.required, graph.inputs.optional) == (("path", "title"), ("limit",))
    assert graph.with_entrypoint("clean").inputs.required == ("rows", "title")
    assert graph.select("table").inputs.required == ("path",)
    assert graph.bind(title="Q3").inputs.required == ("path",)


def test_defaulted_params_are_optional_and_edge_fed_params_are_neither():
    graph = Graph([load, clean])
    assert graph.inputs.required == ("path",)
    assert graph.inputs.optional == ("limit",)
    assert "rows" not in graph.inputs.all


def test_an_edge_cancels_a_default():
    @node(output_name="rows")
    def fallback_rows(seed: int = 0) -> list:
        return [seed]

    @node(output_name="n")
    def size(rows: list = ()) -> int:  # noqa: B006 - default never used, rows is produced
        return len(rows)

    graph = Graph([fallback_rows, size])
    assert graph.inputs.optional == ("seed",)
    assert "rows" not in graph.inputs.all


def test_self_consuming_node_makes_an_entrypoint_and_no_required_inputs():
    graph = Graph([increment, should_continue])
    assert graph.inputs.entrypoints == {"increment": ("count",)}
    assert graph.inputs.required == ()
    assert graph.inputs.all == ("count",)


def test_loop_closed_only_by_a_control_edge_has_no_entrypoint_params():
    @node(output_name="y")
    def step(x: int) -> int:
        return x + 1

    @route(targets=["step", END])
    def again(y: int):
        return END

    graph = Graph([step, again])
    assert graph.has_cycles
    assert graph.inputs.entrypoints == {}
    assert graph.inputs.required == ("x",)


def test_two_node_cycle_offers_an_entry_per_member_in_name_order():
    @node(output_name="answer")
    def respond(question: str) -> str:
        return question

    @node(output_name="question")
    def ask(answer: str) -> str:
        return answer

    graph = Graph([respond, ask])
    assert graph.inputs.entrypoints == {"ask": ("answer",), "respond": ("question",)}
    assert list(graph.inputs.entrypoints) == ["ask", "respond"]
    assert graph.inputs.required == ()


def test_defaulted_or_bound_cycle_params_need_no_entry():
    @node(output_name="count")
    def counted(count: int = 0) -> int:
        return count + 1

    assert Graph([counted]).inputs.entrypoints == {}
    assert Graph([increment]).bind(count=5).inputs.entrypoints == {}


def test_interrupt_outputs_are_never_entrypoint_params():
    @node(output_name="draft")
    def write(feedback: str) -> str:
        return feedback

    @interrupt(output_name="feedback")
    def review(draft: str) -> str | None:
        return None

    graph = Graph([write, review])
    # 'feedback' comes from the interrupt (the person answers it), so 'write' is no entry.
    assert graph.inputs.entrypoints == {"review": ("draft",)}
    assert graph.inputs.required == ()


def test_gates_inside_a_data_cycle_get_no_entrypoint():
    @node(output_name="n")
    def bump(n: int, flag: bool) -> int:
        return n + 1

    @ifelse(when_true="bump", when_false=END)
    def check(n: int) -> bool:
        return n < 3

    graph = Graph([bump, check])
    assert graph.inputs.entrypoints == {"bump": ("n",)}
    assert graph.inputs.required == ("flag",)


def test_selection_keeps_gate_targets_and_their_descendants():
    @node(output_name="count")
    def seed(start: int) -> int:
        return start

    @node(output_name="label")
    def describe(count: int, prefix: str) -> str:
        return f"{prefix}{count}"

    @node(output_name="unrelated")
    def other(noise: int) -> int:
        return noise

    graph = Graph([increment, should_continue, describe, other])
    selected = graph.select("count").inputs
    assert "noise" not in selected.all
    # 'describe' descends from the gate's target 'increment', so it stays in scope.
    assert selected.required == ("prefix",)
    assert graph.select("unrelated").inputs.all == ("noise",)


def test_entrypoints_and_selection_combine():
    graph = Graph([load, clean, report])
    assert graph.with_entrypoint("clean").select("table").inputs.all == ("rows", "limit")


def test_bound_includes_nested_bindings_and_own_bindings_win():
    inner = Graph([load, clean], name="inner").bind(limit=5)
    outer = Graph([inner.as_node(), report])
    assert outer.inputs.bound == {"limit": 5}
    assert outer.inputs.optional == ("limit",)
    assert outer.bind(limit=7).inputs.bound == {"limit": 7}
    assert outer.bound_values == {}
    assert outer.bind(limit=7).bound_values == {"limit": 7}


def test_nested_bindings_follow_renamed_inputs():
    inner = Graph([load, clean], name="inner").bind(limit=5)
    renamed = inner.as_node().with_inputs(limit="max_rows")
    outer = Graph([renamed])
    assert outer.inputs.bound == {"max_rows": 5}
    assert outer.inputs.optional == ("max_rows",)


def test_input_spec_is_frozen_and_all_is_deduplicated():
    spec = InputSpec(required=("a",), optional=("b",), entrypoints={"n": ("a", "c")}, bound={})
    assert spec.all == ("a", "b", "c")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.required = ()


def test_compute_input_spec_can_be_called_directly():
    graph = Graph([load, clean, report])
    spec = compute_input_spec(
        graph.nodes, graph.nx_graph, {"title": "t"}, entrypoints=("clean",), selected=None
    )
    assert spec.required == ("rows",)
    assert spec.optional == ("limit", "title")
    assert spec.bound == {"title": "t"}
