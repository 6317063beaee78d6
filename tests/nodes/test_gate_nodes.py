"""Gates: END, @route / RouteNode, @ifelse / IfElseNode construction and decisions
(docs/guides/graphs.md)."""

from __future__ import annotations

import pickle
import warnings

import pytest

from hypergraph import END, GateNode, IfElseNode, RouteNode, ifelse, route


def pick(x: int) -> str:
    return "a"


def test_end_is_a_sentinel_class():
    with pytest.raises(TypeError, match="cannot be instantiated"):
        END()
    assert repr(END) == str(END) == "END"
    assert END != "END" and END == END
    assert pickle.loads(pickle.dumps(END)) is END


def test_route_decorator_builds_route_node_with_gate_members():
    @route(targets=["a", "b", END])
    def decide(x: int, limit: int = 3):
        return "a"

    assert isinstance(decide, RouteNode) and isinstance(decide, GateNode)
    assert decide.name == "decide" and decide.inputs == ("x", "limit")
    assert decide.targets == ["a", "b", END] and decide.descriptions == {}
    assert decide.outputs == () and decide.data_outputs == ()
    assert decide.is_async is False and decide.is_generator is False
    assert decide.node_type == "BRANCH" and decide.default_open is True
    assert decide.fallback is None and decide.multi_target is False
    assert decide.get_default_for("limit") == 3 and decide.get_input_type("x") is int
    assert decide(1) == "a" and len(decide.definition_hash) == 64


def test_route_dict_targets_fill_descriptions():
    made = RouteNode(pick, {"a": "go to a", END: "stop"})
    assert made.targets == ["a", END] and made.descriptions == {"a": "go to a", END: "stop"}


def test_route_construction_errors():
    with pytest.raises(ValueError, match="at least one target"):
        RouteNode(pick, [])
    with pytest.raises(ValueError, match="cannot have both fallback and multi_target"):
        RouteNode(pick, ["a", "b"], fallback="b", multi_target=True)
    with pytest.raises(ValueError, match="'END' as a string target"):
        RouteNode(pick, ["a", "END"])
    with pytest.raises(ValueError, match="'END' as a string target"):
        IfElseNode(pick, "a", "END")


def test_route_duplicates_dropped_and_fallback_appended():
    made = RouteNode(pick, ["a", "b", "a", END, END], fallback="c")
    assert made.targets == ["a", "b", END, "c"]
    assert RouteNode(pick, ["a", "b"], fallback="a").targets == ["a", "b"]


def test_async_or_generator_gates_are_rejected():
    async def coro(x):
        return "a"

    def gen(x):
        yield "a"

    async def agen(x):
        yield "a"

    with pytest.raises(TypeError, match="cannot be async"):
        route(targets=["a"])(coro)
    with pytest.raises(TypeError, match="cannot be a generator"):
        route(targets=["a"])(gen)
    with pytest.raises(TypeError, match="cannot be a generator"):
        ifelse("a", "b")(agen)
    with pytest.raises(TypeError, match="cannot be async"):
        IfElseNode(coro, "a", "b")


def test_gate_base_cannot_be_instantiated():
    with pytest.raises(TypeError):
        GateNode(pick)


def test_route_decision_single_target():
    made = RouteNode(pick, ["a", "b", END])
    assert made.resolve_decision("b") == ("b",)
    assert made.resolve_decision(END) == (END,)
    assert made.resolve_decision(None) == ()


def test_route_none_uses_fallback():
    assert RouteNode(pick, ["a"], fallback=END).resolve_decision(None) == (END,)


def test_route_invalid_target_raises_value_error():
    made = RouteNode(pick, ["a", "b"], name="chooser")
    with pytest.raises(ValueError, match="invalid target") as caught:
        made.resolve_decision("c")
    assert "chooser" in str(caught.value)
    with pytest.raises(ValueError, match="invalid target"):
        made.resolve_decision(END)  # END allowed only when listed


def test_route_list_without_multi_target_raises_type_error():
    with pytest.raises(TypeError, match="multi_target=False but returned a list"):
        RouteNode(pick, ["a", "b"]).resolve_decision(["a"])


def test_multi_target_route_decisions():
    made = RouteNode(pick, ["a", "b", END], multi_target=True)
    assert made.resolve_decision(["a", "b"]) == ("a", "b")
    assert made.resolve_decision(["b", "b"]) == ("b",)
    assert made.resolve_decision([]) == () and made.resolve_decision(None) == ()
    with pytest.raises(TypeError, match="multi_target=True but returned str"):
        made.resolve_decision("a")
    with pytest.raises(ValueError, match="invalid target"):
        made.resolve_decision(["a", "zzz"])


def test_returning_the_string_end_warns_then_fails():
    made = RouteNode(pick, ["a", END])
    with pytest.warns(UserWarning, match="END"), pytest.raises(ValueError, match="invalid target"):
        made.resolve_decision("END")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="not the END sentinel"):
        made.resolve_decision("END")


def test_string_end_without_end_target_fails_without_warning():
    made = RouteNode(pick, ["a"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="invalid target"):
            made.resolve_decision("END")


def test_ifelse_members_and_decisions():
    @ifelse(when_true="go", when_false=END)
    def check(x: int) -> bool:
        return x > 0

    assert isinstance(check, IfElseNode) and check.targets == ["go", END]
    assert check.descriptions == {True: "True", False: "False"}
    assert check.resolve_decision(True) == ("go",)
    assert check.resolve_decision(False) == (END,)
    assert check(3) is True


@pytest.mark.parametrize("raw", [1, 0, None, "yes", [True]])
def test_ifelse_non_bool_raises_type_error(raw):
    made = IfElseNode(pick, "a", "b")
    with pytest.raises(TypeError, match="must return bool"):
        made.resolve_decision(raw)


def test_ifelse_same_target_rejected():
    with pytest.raises(ValueError, match="same target"):
        IfElseNode(pick, "a", "a")
    with pytest.raises(ValueError, match="same target"):
        IfElseNode(pick, END, END)


def test_gate_reprs():
    assert (
        repr(RouteNode(pick, ["a", END], name="decide"))
        == "RouteNode(decide, targets=['a', 'END'])"
    )
    assert (
        repr(IfElseNode(pick, "go", END, name="check")) == "IfElseNode(check, true=go, false=END)"
    )


def test_gate_options_and_signals():
    made = RouteNode(
        pick,
        ["a"],
        cache=True,
        hide=True,
        default_open=False,
        name="r",
        rename_inputs={"x": "value"},
        emit="decided",
        wait_for="ready",
    )
    assert made.cache and made.hide and made.default_open is False
    assert made.name == "r" and made.inputs == ("value",)
    assert made.outputs == ("decided",) and made.data_outputs == () and made.wait_for == ("ready",)
    with pytest.raises(ValueError, match="wait_for names overlap with input parameters"):
        RouteNode(pick, ["a"], wait_for="x")
    with pytest.raises(ValueError, match="emit and wait_for share names"):
        IfElseNode(pick, "a", "b", emit="s", wait_for="s")


def test_gate_nx_attrs_include_branch_data():
    attrs = RouteNode(pick, ["a", END], fallback="b").nx_attrs
    assert attrs["node_type"] == "BRANCH"
    assert attrs["branch_data"]["targets"] == ["a", END, "b"]
    assert attrs["branch_data"]["fallback"] == "b"
    ifelse_attrs = IfElseNode(pick, "a", END).nx_attrs["branch_data"]
    assert ifelse_attrs["when_true"] == "a" and ifelse_attrs["when_false"] is END


def test_gate_definition_hash_follows_source_not_renames():
    made = RouteNode(pick, ["a"])
    assert made.with_name("other").definition_hash == made.definition_hash
    assert RouteNode(pick, ["b"]).definition_hash == made.definition_hash


# ------------------------------------------------------------------ values shown in gate errors
HUGE = "x" * 10_000_000


def _run_gate(gate, value):
    from hypergraph import Graph, SyncRunner, node

    @node(output_name="a_out")
    def a(value: object) -> int:
        return 1

    @node(output_name="b_out")
    def b(value: object) -> int:
        return 2

    return SyncRunner().run(Graph([gate, a, b]), value=value)


@route(targets=["a", "b"])
def single(value: object) -> object:
    return value


@route(targets=["a", "b"], multi_target=True)
def several(value: object) -> object:
    return value


@ifelse(when_true="a", when_false="b")
def check(value: object) -> object:
    return value


@pytest.mark.parametrize(
    ("gate", "value", "error", "phrase"),
    [
        (single, HUGE, ValueError, "returned an invalid target 'xxx"),
        (single, [HUGE] * 1000, TypeError, "multi_target=False but returned a list"),
        (several, HUGE, TypeError, "multi_target=True but returned str"),
        (check, HUGE, TypeError, "must return bool (True or False), got str"),
        (check, list(range(1_000_000)), TypeError, "got list ([0, 1, 2,"),
    ],
)
def test_gate_errors_show_a_shortened_value(gate, value, error, phrase):
    with pytest.raises(error) as info:
        _run_gate(gate, value)
    message = str(info.value)
    assert phrase in message
    assert len(message) < 600
