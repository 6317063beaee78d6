"""FunctionNode and @node: construction, inputs/outputs, defaults, types, calls
(docs/guides/nodes.md)."""

from __future__ import annotations

import functools
import warnings

import pytest

from hypergraph import FunctionNode, HyperNode, RouteNode, node, route
from hypergraph.nodes import RenameError


def add(x: int, y: int = 2) -> int:
    return x + y


def log(x, y=2):
    print(x, y)


def test_decorator_forms_all_make_function_nodes():
    @node
    def bare(x):
        return x

    @node()
    def empty_call(x):
        return x

    @node(output_name="y")
    def with_args(x):
        return x

    for made in (bare, empty_call, with_args):
        assert isinstance(made, FunctionNode) and isinstance(made, HyperNode)
    assert bare.outputs == () and with_args.outputs == ("y",)


def test_decorated_node_stays_callable_and_keeps_wrapped_function():
    made = node(add, output_name="total")
    assert made(1) == 3 and made(1, y=5) == 6
    assert made.__wrapped__ is add and made.func is add
    assert made.name == "add"


def test_name_defaults_to_function_name_and_lambda_gives_lambda():
    assert FunctionNode(add, output_name="s").name == "add"
    assert FunctionNode(lambda x: x, output_name="s").name == "<lambda>"
    assert FunctionNode(add, "plus", "s").name == "plus"


def test_source_may_be_a_function_node_reusing_only_its_function():
    first = node(add, output_name="a", cache=True)
    second = FunctionNode(first, output_name="b")
    assert second.func is add and second.outputs == ("b",) and second.cache is False
    assert second.name == "add"


def test_output_name_forms():
    assert FunctionNode(add, output_name="s").outputs == ("s",)
    assert FunctionNode(add, output_name=("a", "b")).outputs == ("a", "b")
    side_effect = FunctionNode(log)
    assert side_effect.outputs == () and side_effect.data_outputs == ()


def test_missing_output_name_with_return_annotation_warns():
    with pytest.warns(UserWarning, match="no output_name") as record:
        FunctionNode(add)
    assert record[0].filename == __file__  # points at the user's line, not at hypergraph
    with pytest.warns(UserWarning, match="no output_name") as record:

        @node
        def decorated(x) -> int:
            return x

    assert record[0].filename == __file__


def test_missing_output_name_without_meaningful_annotation_is_silent():
    def returns_none(x) -> None:
        pass

    def unannotated(x):
        pass

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FunctionNode(returns_none)
        FunctionNode(unannotated)


def test_inputs_include_every_parameter_kind_in_order():
    def every(a, /, b, *args, c, d=1, **kwargs):
        pass

    assert FunctionNode(every, output_name="o").inputs == ("a", "b", "args", "c", "d", "kwargs")


def test_rename_inputs_renames_and_maps_back_to_parameters():
    made = FunctionNode(add, output_name="s", rename_inputs={"x": "first"})
    assert made.inputs == ("first", "y")
    assert made.map_inputs_to_params({"first": 1, "y": 2}) == {"x": 1, "y": 2}


def test_rename_inputs_with_unknown_key_raises_rename_error():
    with pytest.raises(RenameError, match="Cannot rename unknown inputs: 'c'. Valid inputs"):
        FunctionNode(add, output_name="s", rename_inputs={"c": "d"})


def test_map_inputs_to_params_is_identity_without_renames():
    made = FunctionNode(add, output_name="s")
    given = {"x": 1}
    assert made.map_inputs_to_params(given) is given


def test_defaults_and_default_lookup():
    made = FunctionNode(add, output_name="s")
    assert made.defaults == {"y": 2}
    assert made.has_default_for("y") and not made.has_default_for("x")
    assert made.get_default_for("y") == 2
    assert made.has_signature_default_for("y") and made.get_signature_default_for("y") == 2
    with pytest.raises(KeyError, match="No default for 'x'"):
        made.get_default_for("x")


def test_defaults_follow_renamed_inputs():
    made = FunctionNode(add, output_name="s").with_inputs(y="step")
    assert made.defaults == {"step": 2} and made.get_default_for("step") == 2


def test_parameter_and_output_annotations():
    made = FunctionNode(add, output_name="s")
    assert made.parameter_annotations == {"x": int, "y": int}
    assert made.output_annotation == {"s": int}
    assert made.get_input_type("x") is int and made.get_output_type("s") is int
    assert made.get_input_type("missing") is None and made.get_output_type("nope") is None


def test_tuple_return_annotation_splits_across_outputs():
    def split(text: str) -> tuple[str, int]:
        return text, len(text)

    made = FunctionNode(split, output_name=("word", "size"))
    assert made.output_annotation == {"word": str, "size": int}


def test_tuple_annotation_of_other_arity_gives_no_output_types():
    def split(text: str) -> tuple[str, int, int]:
        return text, 1, 2

    assert FunctionNode(split, output_name=("a", "b")).output_annotation == {}


def test_unresolvable_annotations_do_not_break_construction():
    def uses_missing(x: DoesNotExist) -> int:  # noqa: F821
        return 1

    made = FunctionNode(uses_missing, output_name="y")
    assert made.get_output_type("y") is int
    assert "DoesNotExist" in repr(made.get_input_type("x"))


def test_async_and_generator_flags():
    async def coro(x):
        return x

    def gen(x):
        yield x

    async def agen(x):
        yield x

    def returns_generator(x):
        return (i for i in range(x))

    assert FunctionNode(coro, output_name="o").is_async
    assert FunctionNode(gen, output_name="o").is_generator
    made = FunctionNode(agen, output_name="o")
    assert made.is_async and made.is_generator
    plain = FunctionNode(returns_generator, output_name="o")
    assert not plain.is_async and not plain.is_generator


async def test_calling_an_async_node_returns_its_coroutine():
    @node(output_name="o")
    async def coro(x):
        return x * 2

    assert await coro(4) == 8


def test_emit_and_wait_for_shape_outputs_and_validate():
    made = FunctionNode(add, output_name="s", emit="done", wait_for=("ready",))
    assert made.outputs == ("s", "done") and made.data_outputs == ("s",)
    assert made.wait_for == ("ready",)
    with pytest.raises(ValueError, match="emit names overlap with output names"):
        FunctionNode(add, output_name="s", emit="s")
    with pytest.raises(ValueError, match="wait_for names overlap with input parameters"):
        FunctionNode(add, output_name="s", wait_for="x")
    with pytest.raises(ValueError, match="emit and wait_for share names"):
        FunctionNode(add, output_name="s", emit="sig", wait_for="sig")


def test_wrap_outputs_for_each_output_shape():
    assert FunctionNode(add, output_name="s").wrap_outputs((1, 2)) == {"s": (1, 2)}
    assert FunctionNode(log).wrap_outputs(5) == {}
    pair = FunctionNode(add, output_name=("a", "b"), emit="done")
    assert pair.wrap_outputs((1, 2)) == {"a": 1, "b": 2}
    assert pair.wrap_outputs([3, 4]) == {"a": 3, "b": 4}


def test_wrap_outputs_rejects_wrong_length_or_non_sequence():
    pair = FunctionNode(add, "pairing", ("a", "b"))
    with pytest.raises(ValueError, match="pairing") as wrong_length:
        pair.wrap_outputs((1, 2, 3))
    assert "'a', 'b'" in str(wrong_length.value)
    with pytest.raises(ValueError, match="pairing"):
        pair.wrap_outputs(7)
    with pytest.raises(ValueError, match="pairing"):
        pair.wrap_outputs("ab")


def test_flags_default_and_can_be_set():
    made = FunctionNode(add, output_name="s")
    assert (made.cache, made.hide, made.is_interrupt, made.node_type) == (
        False,
        False,
        False,
        "FUNCTION",
    )
    flagged = FunctionNode(add, output_name="s", cache=True, hide=True)
    assert flagged.cache and flagged.hide and flagged.nested_graph is None


def test_repr_shows_function_and_renamed_name():
    made = node(add, output_name="y")
    assert repr(made) == "FunctionNode(add, outputs=('y',))"
    assert repr(made.with_name("other")) == "FunctionNode(add as 'other', outputs=('y',))"


def test_nx_attrs_describe_the_node():
    attrs = FunctionNode(add, output_name="s", emit="done").nx_attrs
    assert attrs["node_type"] == "FUNCTION" and attrs["label"] == "add"
    assert attrs["inputs"] == ("x", "y") and attrs["outputs"] == ("s", "done")
    assert attrs["data_outputs"] == ("s",) and attrs["wait_for"] == ()
    assert attrs["input_types"] == {"x": int, "y": int} and attrs["output_types"] == {"s": int}
    assert attrs["has_defaults"] == {"x": False, "y": True} and attrs["hide"] is False


def test_partial_and_builtin_sources_work():
    made = FunctionNode(functools.partial(add, y=10), output_name="s")
    assert made.name == "add" and made(1) == 11 and made.inputs == ("x", "y")
    assert made.get_default_for("y") == 10
    assert len(FunctionNode(len, output_name="n").definition_hash) == 64


def test_hypernode_cannot_be_instantiated():
    with pytest.raises(TypeError):
        HyperNode()


def test_custom_hypernode_subclass_gets_defaults():
    class Custom(HyperNode):
        def __init__(self):
            super().__init__()
            self.name = "custom"
            self.inputs = ("a",)
            self.data_outputs = ("b",)
            self._set_outputs()

    made = Custom()
    assert made.outputs == ("b",) and made.wait_for == ()
    assert len(made.definition_hash) == 64 and made.has_default_for("a") is False
    assert made.map_inputs_to_params({"a": 1}) == {"a": 1}
    assert made.get_input_type("a") is None and made._rename_history == []
    with pytest.raises(KeyError, match="No default for 'a'"):
        made.get_default_for("a")
    assert made.with_inputs(a="z").inputs == ("z",)


def test_custom_subclass_without_emit_names_has_data_outputs_equal_outputs():
    class OnlyOutputs(HyperNode):
        def __init__(self):
            self.name = "only"
            self.outputs = ("a", "b")

    made = OnlyOutputs()
    assert made.data_outputs == ("a", "b")
    assert made.with_name("other")._rename_history[0].new == "other"


def test_string_passed_as_source_explains_output_name_keyword():
    with pytest.raises(TypeError, match="output_name='y'"):
        node("y")


def test_function_node_can_reuse_a_gate_function():
    @route(targets=["a"])
    def decide(x: int):
        return "a"

    made = FunctionNode(decide, output_name="choice")
    assert made.func is decide.func and made.inputs == ("x",)


def test_callable_objects_and_partials_report_async_and_generator_style():
    class AsyncCallable:
        async def __call__(self, x):
            return x

    class GenCallable:
        def __call__(self, x):
            yield x

    async def coro(x, y):
        return x

    assert FunctionNode(AsyncCallable(), output_name="o").is_async
    assert FunctionNode(GenCallable(), output_name="o").is_generator
    assert FunctionNode(functools.partial(coro, y=1), output_name="o").is_async
    with pytest.raises(TypeError, match="cannot be async"):
        RouteNode(AsyncCallable(), ["a"])


def test_output_name_listing_a_name_twice_is_an_error_at_build_time():
    with pytest.raises(ValueError, match="Node 'stats': output_name=\\('mean', 'mean'\\)") as info:

        @node(output_name=("mean", "mean"))
        def stats(values: list[float]) -> tuple[float, float]:
            return 0.0, 0.0

    assert "'mean' more than once" in str(info.value)
    assert "output_name=('mean', 'mean_2')" in str(info.value)


def test_emit_listing_a_name_twice_is_an_error_at_build_time():
    with pytest.raises(ValueError, match="Node 'step': emit=\\('done', 'done'\\) lists 'done'"):

        @node(output_name="y", emit=("done", "done"))
        def step(x: int) -> int:
            return x
