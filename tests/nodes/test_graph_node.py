"""GraphNode: a graph used as a node — names, defaults, types, renames, map_over
(docs/guides/graphs.md)."""

from __future__ import annotations

import pytest

from hypergraph import END, Graph, GraphConfigError, GraphNode, interrupt, node, route


@node(output_name="tokens")
def tokenize(text: str, sep: str = " ") -> list[str]:
    return text.split(sep)


@node(output_name="count")
def count_tokens(tokens: list[str]) -> int:
    return len(tokens)


@node(output_name="label")
def describe(text: str, sep: str = " ") -> str:
    return f"{text}{sep}"


def counter_graph() -> Graph:
    return Graph([tokenize, count_tokens], name="counter")


def test_as_node_exposes_graph_inputs_and_outputs():
    graph = counter_graph()
    wrapped = graph.as_node()
    assert isinstance(wrapped, GraphNode) and wrapped.name == "counter"
    assert wrapped.inputs == graph.inputs.all == ("text", "sep")
    assert wrapped.outputs == graph.outputs == ("tokens", "count")
    assert wrapped.graph is graph and wrapped.nested_graph is graph
    assert wrapped.node_type == "GRAPH" and wrapped.cache is False
    assert wrapped.definition_hash == graph.definition_hash
    assert wrapped.is_async is False and wrapped.is_interrupt is False


def test_name_argument_overrides_graph_name():
    assert GraphNode(counter_graph(), name="other").name == "other"


def test_missing_or_invalid_name_raises_value_error():
    unnamed = Graph([tokenize, count_tokens])
    with pytest.raises(ValueError, match="GraphNode requires a name"):
        unnamed.as_node()
    for bad in ("a.b", "a/b"):
        with pytest.raises(ValueError, match="must not contain"):
            GraphNode(unnamed, name=bad)


def test_graph_node_named_like_another_output_is_a_config_error():
    wrapped = counter_graph().as_node(name="label")
    with pytest.raises(GraphConfigError, match="collides with output"):
        Graph([describe, wrapped])


def test_selected_graph_exposes_only_selected_outputs():
    wrapped = counter_graph().select("count").as_node()
    assert wrapped.outputs == ("count",) and wrapped.data_outputs == ("count",)
    assert wrapped.map_outputs_from_original({"tokens": ["a"], "count": 1}) == {"count": 1}


def test_async_inner_node_makes_graph_node_async():
    @node(output_name="y")
    async def fetch(x):
        return x

    assert Graph([fetch], name="inner").as_node().is_async is True


def test_defaults_from_inner_consumers_and_bindings():
    wrapped = Graph([tokenize, describe], name="inner").as_node()
    assert wrapped.has_default_for("sep") and not wrapped.has_default_for("text")
    assert wrapped.get_default_for("sep") == " "
    assert (
        wrapped.has_signature_default_for("sep") and wrapped.get_signature_default_for("sep") == " "
    )
    with pytest.raises(KeyError, match="No default for 'text'"):
        wrapped.get_default_for("text")

    bound = Graph([tokenize, describe], name="inner").bind(sep=",", text="x").as_node()
    assert bound.get_default_for("sep") == "," and bound.get_default_for("text") == "x"
    assert bound.has_default_for("text")
    assert not bound.has_signature_default_for("sep")
    with pytest.raises(KeyError):
        bound.get_signature_default_for("sep")


def test_types_come_from_inner_nodes():
    wrapped = counter_graph().as_node()
    assert wrapped.get_input_type("text") is str
    assert wrapped.get_output_type("count") is int
    assert wrapped.get_output_type("tokens") == list[str]
    assert wrapped.output_annotation == {"tokens": list[str], "count": int}
    assert wrapped.get_output_type("unknown") is None


def test_mapped_graph_node_reports_list_types():
    @node(output_name="raw")
    def untyped(text):
        return text

    mapped = Graph([tokenize, count_tokens, untyped], name="inner").as_node().map_over("text")
    assert mapped.get_output_type("count") == list[int]
    assert mapped.get_output_type("raw") is list
    assert mapped.output_annotation["count"] == list[int]
    assert mapped.get_input_type("text") == list[str]  # the mapped param receives a list
    assert mapped.get_input_type("sep") is str  # broadcast params keep their type


def test_renames_map_inputs_back_and_outputs_forward():
    wrapped = counter_graph().as_node().with_inputs(text="doc").with_outputs(count="n")
    assert wrapped.inputs == ("doc", "sep") and wrapped.outputs == ("tokens", "n")
    assert wrapped.map_inputs_to_params({"doc": "a b", "sep": " "}) == {"text": "a b", "sep": " "}
    assert wrapped.map_outputs_from_original({"tokens": ["a"], "count": 1, "other": 3}) == {
        "tokens": ["a"],
        "n": 1,
    }
    assert wrapped.get_input_type("doc") is str and wrapped.get_output_type("n") is int
    assert wrapped.has_default_for("sep") and not wrapped.has_default_for("doc")


def test_map_inputs_is_identity_when_nothing_renamed():
    wrapped = counter_graph().as_node()
    given = {"text": "a"}
    assert wrapped.map_inputs_to_params(given) is given


def test_graph_node_renames_return_copies():
    wrapped = counter_graph().as_node()
    renamed = wrapped.with_name("again").with_inputs(text="doc")
    assert isinstance(renamed, GraphNode) and renamed.graph is wrapped.graph
    assert wrapped.name == "counter" and wrapped.inputs == ("text", "sep")


def test_map_over_returns_a_new_configured_node():
    wrapped = counter_graph().as_node()
    mapped = wrapped.map_over("text", mode="product", error_handling="continue", clone=["sep"])
    assert wrapped.map_config is None and wrapped.clone_config is False
    assert mapped.map_config == (["text"], "product", "continue")
    assert mapped.clone_config == ["sep"]
    assert wrapped.map_over("text").map_config == (["text"], "zip", "raise")
    assert wrapped.map_over("text", clone=True).clone_config is True


def test_map_over_validation_errors():
    wrapped = counter_graph().as_node()
    with pytest.raises(ValueError, match="at least one parameter"):
        wrapped.map_over()
    with pytest.raises(ValueError, match="not an input"):
        wrapped.map_over("nope")
    with pytest.raises(ValueError, match="Cannot clone mapped parameter"):
        wrapped.map_over("text", clone=["text"])
    with pytest.raises(ValueError, match="not an input"):
        wrapped.map_over("text", clone=["nope"])
    for bad in ("sep", ("sep",)):
        with pytest.raises(TypeError, match="clone must be bool or list"):
            wrapped.map_over("text", clone=bad)
    with pytest.raises(TypeError, match="clone list entries must be strings"):
        wrapped.map_over("text", clone=[1])
    with pytest.raises(ValueError, match="mode"):
        wrapped.map_over("text", mode="diagonal")
    with pytest.raises(ValueError, match="error_handling"):
        wrapped.map_over("text", error_handling="ignore")


def test_renaming_a_mapped_input_updates_map_and_clone_settings():
    mapped = counter_graph().as_node().map_over("text", clone=["sep"])
    renamed = mapped.with_inputs(text="doc", sep="separator")
    assert renamed.map_config == (["doc"], "zip", "raise")
    assert renamed.clone_config == ["separator"]
    assert mapped.map_config == (["text"], "zip", "raise")


def test_mapped_graph_with_interrupt_is_detected():
    @interrupt(output_name="answer")
    def ask(question: str) -> str | None:
        return None

    wrapped = Graph([ask], name="asker").as_node()
    assert wrapped.has_interrupts is True
    assert counter_graph().as_node().has_interrupts is False
    assert Graph([wrapped], name="outer").as_node().has_interrupts is True
    with pytest.raises(GraphConfigError, match="InterruptNode"):
        Graph([wrapped.map_over("question")])


def test_graph_node_hides_inner_emit_names_from_data_outputs():
    @node(output_name="y", emit="done")
    def step(x: int) -> int:
        return x

    wrapped = Graph([step], name="inner").as_node()
    assert wrapped.outputs == ("y", "done") and wrapped.data_outputs == ("y",)
    assert wrapped.map_outputs_from_original({"y": 1}) == {"y": 1}


def test_graph_node_of_a_loop_keeps_entrypoint_inputs():
    @node(output_name="total")
    def add_step(total: int, step: int = 2) -> int:
        return total + step

    @route(targets=["add_step", END])
    def keep_going(total: int):
        return END if total >= 10 else "add_step"

    wrapped = Graph([add_step, keep_going], name="loop").as_node()
    assert wrapped.inputs == ("step", "total")  # optional first, then the entrypoint param
    assert wrapped.outputs == ("total",)


def test_nx_attrs_and_repr():
    mapped = counter_graph().as_node().map_over("text")
    attrs = mapped.nx_attrs
    assert attrs["node_type"] == "GRAPH" and attrs["label"] == "counter"
    assert attrs["output_types"] == {"tokens": list[list[str]], "count": list[int]}
    assert repr(mapped).startswith("GraphNode(counter")


def test_with_name_rejects_separators():
    with pytest.raises(ValueError, match="must not contain"):
        counter_graph().as_node().with_name("a.b")


_DEEP = 600  # past Python's recursion limit for a walk taking a frame or two per level


def _nest(graph: Graph, levels: int, mapped: tuple[int, ...] = ()) -> Graph:
    """``graph`` wrapped ``levels`` times, mapped over ``text`` at the ``mapped`` levels."""
    for level in range(levels):
        wrapped = graph.as_node(name=f"level{level}")
        if level in mapped:
            wrapped = wrapped.map_over("text")
        graph = Graph([wrapped], name=f"g{level}")
    return graph


def test_graph_node_600_levels_deep_knows_its_inner_defaults_and_types():
    deep = _nest(Graph([tokenize, describe], name="inner"), _DEEP, mapped=(100, 400))
    outer = deep.as_node()
    assert deep.inputs.required == ("text",) and deep.inputs.optional == ("sep",)
    assert outer.has_default_for("sep") and outer.get_default_for("sep") == " "
    assert outer.has_signature_default_for("sep")
    assert outer.get_signature_default_for("sep") == " "
    assert not outer.has_default_for("text")
    with pytest.raises(KeyError, match="No default for 'text'"):
        outer.get_default_for("text")
    assert outer.get_input_type("text") == list[list[str]]  # mapped at two levels
    assert outer.get_input_type("sep") is str
    assert outer.get_output_type("label") == list[list[str]]
    assert outer.get_output_type("unknown") is None
    assert outer.has_interrupts is False


def test_graph_node_600_levels_deep_takes_a_binding_from_any_level():
    bound = Graph([Graph([tokenize, describe], name="inner").as_node()], name="b").bind(sep=",")
    outer = _nest(bound, _DEEP).as_node()
    assert outer.get_default_for("sep") == ","
    assert outer.has_default_for("sep") and not outer.has_signature_default_for("sep")
    with pytest.raises(KeyError, match="No default for 'sep'"):
        outer.get_signature_default_for("sep")


def test_graph_node_600_levels_deep_finds_an_interrupt_at_the_bottom():
    @interrupt(output_name="answer")
    def ask(question: str) -> str | None:
        return None

    assert _nest(Graph([ask], name="asker"), _DEEP).as_node().has_interrupts is True
