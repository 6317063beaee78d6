"""Derivation methods (docs/guides/graphs.md): bind, unbind, select, with_entrypoint, add_nodes,
as_node."""

from __future__ import annotations

import pytest

from hypergraph import END, Graph, GraphConfigError, GraphNode, node, route


@node(output_name="rows")
def load(path: str) -> list:
    return [path]


@node(output_name="table")
def clean(rows: list, limit: int = 100) -> list:
    return rows[:limit]


@node(output_name="summary")
def report(table: list, title: str) -> str:
    return f"{title}: {table}"


@node(output_name="done_value", emit="finished")
def finish(table: list) -> int:
    return len(table)


@node(output_name="answer")
def think(question: str) -> str:
    return question


@node(output_name="notes")
def scribble(question: str) -> str:
    return question.upper()


def pipeline() -> Graph:
    return Graph([load, clean, report], name="pipeline")


# ---------------------------------------------------------------------- bind / unbind
def test_bind_returns_a_new_graph_and_leaves_the_original_alone():
    graph = pipeline()
    bound = graph.bind(title="Q3")
    assert bound is not graph
    assert bound.inputs.required == ("path",)
    assert graph.inputs.required == ("path", "title")
    assert graph.bound_values == {}


def test_bound_names_become_optional_and_appear_in_bound():
    graph = pipeline().bind(title="Q3")
    assert graph.inputs.optional == ("limit", "title")
    assert graph.inputs.bound == {"title": "Q3"}


def test_bind_none_binds_none_unlike_unbind():
    graph = pipeline().bind(title=None)
    assert graph.inputs.bound == {"title": None}
    assert "title" in graph.inputs.optional
    unbound = graph.unbind("title")
    assert unbound.inputs.bound == {}
    assert "title" in unbound.inputs.required


def test_bound_values_are_shared_by_reference():
    payload: list = []
    graph = pipeline().bind(title=payload)
    assert graph.bound_values["title"] is payload
    assert graph.inputs.bound["title"] is payload
    assert graph.select("summary").bound_values["title"] is payload


def test_later_binds_win():
    graph = pipeline().bind(title="a").bind(title="b", limit=3)
    assert graph.bound_values == {"title": "b", "limit": 3}


def test_bind_without_values_is_a_plain_copy():
    graph = pipeline().bind(title="a")
    copy = graph.bind()
    assert copy is not graph
    assert copy.bound_values == {"title": "a"}
    assert copy.definition_hash == graph.definition_hash


def test_an_output_can_be_bound():
    graph = pipeline().bind(table=["cached"])
    assert graph.inputs.bound == {"table": ["cached"]}
    assert graph.inputs.required == ("path", "title")


def test_binding_an_unknown_name_raises_value_error():
    with pytest.raises(ValueError, match="not a graph input or output") as info:
        pipeline().bind(titel="x")
    assert "Did you mean 'title'" in str(info.value)


def test_binding_an_emit_only_name_raises_value_error():
    graph = Graph([load, clean, finish])
    with pytest.raises(ValueError, match="emit-only"):
        graph.bind(finished=True)


def test_unbind_ignores_unknown_keys():
    graph = pipeline().bind(title="a", limit=1)
    assert graph.unbind("limit", "nope").bound_values == {"title": "a"}


# ---------------------------------------------------------------------- select
def test_select_narrows_inputs_and_sets_selected():
    graph = pipeline().select("table")
    assert graph.selected == ("table",)
    assert graph.inputs.required == ("path",)
    assert pipeline().selected is None


def test_select_accepts_a_list_and_later_calls_replace_earlier_ones():
    graph = pipeline().select(["rows", "table"]).select("summary")
    assert graph.selected == ("summary",)
    assert pipeline().select("summary").select().selected is None


def test_select_rejects_non_outputs_and_repeats():
    with pytest.raises(ValueError, match="not graph outputs"):
        pipeline().select("path")
    with pytest.raises(ValueError, match="Did you mean 'table' for 'tabel'"):
        pipeline().select("tabel")
    with pytest.raises(ValueError, match="unique output names"):
        pipeline().select("table", "table")


# ---------------------------------------------------------------------- with_entrypoint
def test_with_entrypoint_limits_inputs_to_the_entry_and_descendants():
    graph = pipeline().with_entrypoint("clean")
    assert graph.entrypoints_config == ("clean",)
    assert graph.inputs.required == ("rows", "title")
    assert pipeline().entrypoints_config is None


def test_with_entrypoint_calls_accumulate_without_duplicates():
    graph = Graph([think, scribble, load])
    derived = graph.with_entrypoint("think").with_entrypoint("scribble", "think")
    assert derived.entrypoints_config == ("think", "scribble")
    assert derived.inputs.required == ("question",)


def test_with_entrypoint_rejects_unknown_nodes_and_gates():
    @node(output_name="count")
    def increment(count: int) -> int:
        return count + 1

    @route(targets=["increment", END])
    def again(count: int):
        return END

    with pytest.raises(GraphConfigError, match="Unknown entry point"):
        pipeline().with_entrypoint("cleen")
    with pytest.raises(GraphConfigError, match="gate"):
        Graph([increment, again]).with_entrypoint("again")


# ---------------------------------------------------------------------- add_nodes
def test_add_nodes_keeps_name_bindings_and_selection_but_not_entrypoints():
    graph = Graph([load, clean], name="p", strict_types=False).bind(limit=3).select("table")
    graph = graph.with_entrypoint("clean")
    extended = graph.add_nodes(report)
    assert list(extended.nodes) == ["load", "clean", "report"]
    assert extended.name == "p"
    assert extended.bound_values == {"limit": 3}
    assert extended.selected == ("table",)
    assert extended.entrypoints_config is None
    assert list(graph.nodes) == ["load", "clean"]


def test_add_nodes_without_arguments_returns_the_same_graph():
    graph = pipeline()
    assert graph.add_nodes() is graph


def test_add_nodes_applies_construction_checks():
    with pytest.raises(GraphConfigError, match="Duplicate node name: 'clean'"):
        pipeline().add_nodes(clean)


def test_add_nodes_refuses_explicit_edge_graphs():
    graph = Graph([load, clean], edges=[("load", "clean")])
    with pytest.raises(GraphConfigError, match="Cannot use add_nodes"):
        graph.add_nodes(report)


def test_add_nodes_keeps_a_binding_whose_input_becomes_produced():
    @node(output_name="y")
    def use_x(x: int) -> int:
        return x

    @node(output_name="x")
    def make_x(seed: int) -> int:
        return seed

    # 'x' is now an output rather than an input; outputs are bindable, so the binding stays.
    extended = Graph([use_x]).bind(x=1).add_nodes(make_x)
    assert extended.bound_values == {"x": 1}
    assert extended.inputs.required == ("seed",)


# ---------------------------------------------------------------------- as_node
def test_as_node_wraps_the_graph_as_a_graph_node():
    graph = pipeline()
    wrapped = graph.as_node()
    assert isinstance(wrapped, GraphNode)
    assert wrapped.name == "pipeline"
    assert wrapped.nested_graph is graph
    assert graph.as_node(name="other").name == "other"


def test_as_node_without_any_name_raises_value_error():
    with pytest.raises(ValueError, match="GraphNode requires a name"):
        Graph([load]).as_node()


def test_selected_graph_node_exposes_only_the_selection():
    inner = Graph([think, scribble], name="inner").select("answer")
    wrapped = inner.as_node()
    assert wrapped.outputs == ("answer",)

    @node(output_name="final")
    def combine(answer: str, notes: str) -> str:
        return answer + notes

    outer = Graph([wrapped, combine])
    # 'notes' is hidden by the selection, so the outer graph needs it as an input.
    assert outer.inputs.required == ("question", "notes")


def test_derived_graphs_share_the_structure_and_hash():
    graph = pipeline()
    _ = graph.definition_hash
    derived = graph.bind(title="x").select("summary").with_entrypoint("clean")
    assert derived.nx_graph is graph.nx_graph
    assert derived.definition_hash == graph.definition_hash
    assert derived.name == graph.name


def test_trace_io_survives_derivation_add_nodes_and_pickling():
    import pickle

    @node(output_name="shouted")
    def shout(summary: str) -> str:
        return summary.upper()

    traced = pipeline().with_trace_io()
    assert not pipeline().trace_io and traced.trace_io
    assert traced.bind(table=["x"]).select("summary").trace_io
    assert traced.add_nodes(shout).trace_io
    assert pickle.loads(pickle.dumps(traced)).trace_io
    assert not traced.with_trace_io(False).trace_io
