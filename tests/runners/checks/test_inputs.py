"""prepare_run input validation (docs/guides/running.md): overrides, conflicts, bypass, cycles,
missing."""

from __future__ import annotations

import warnings

import pytest

from hypergraph.exceptions import MissingInputError
from hypergraph.graph import Graph
from hypergraph.nodes import (
    END,
    FunctionNode,
    GraphNode,
    IfElseNode,
    InterruptNode,
    RouteNode,
    interrupt,
    node,
    route,
)
from hypergraph.runners.checks.arguments import prepare_run
from hypergraph.runners.result import RunnerCapabilities


class AnyRunner:
    """Test double: a runner that can execute every node type."""

    capabilities = RunnerCapabilities(
        supports_async_nodes=True, returns_coroutine=True, supports_interrupts=True
    )
    supported_node_types = {FunctionNode, GraphNode, IfElseNode, RouteNode, InterruptNode}


def prepare(graph, values, **options):
    return prepare_run(graph, values, {}, runner=AnyRunner(), **options)


def prepare_quietly(graph, values, **options):
    """prepare(), asserting that no warning is emitted."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return prepare(graph, values, **options)


@node(output_name="tokens")
def tokenize(text: str) -> list[str]:
    return text.split()


@node(output_name="count")
def count_tokens(tokens: list[str]) -> int:
    return len(tokens)


COUNTER = Graph([tokenize, count_tokens], name="counter")


@node(output_name=("left", "right"))
def split(text: str) -> tuple[str, str]:
    return text[:1], text[1:]


@node(output_name="joined")
def join(left: str, right: str) -> str:
    return right + left


SPLITTER = Graph([split, join])


# ---------------------------------------------------------------- unexpected names + policy
def test_unknown_extra_input_warns_by_default_naming_it_and_the_expected_inputs():
    with pytest.warns(UserWarning, match="internal parameters") as caught:
        prepare(COUNTER, {"text": "a b", "colour": "red"})
    message = str(caught[0].message)
    assert "'colour'" in message and "['text']" in message


def test_unknown_extra_input_is_silent_with_ignore():
    prepare_quietly(COUNTER, {"text": "a", "colour": "red"}, on_internal_override="ignore")


def test_unknown_extra_input_raises_with_error():
    with pytest.raises(ValueError, match="'colour'"):
        prepare(COUNTER, {"text": "a", "colour": "red"}, on_internal_override="error")


def test_invalid_override_policy_raises_even_without_extra_inputs():
    with pytest.raises(ValueError, match="Invalid on_internal_override"):
        prepare(COUNTER, {"text": "a"}, on_internal_override="loud")


def test_supplying_an_intermediate_warns_with_producer_mapping_and_bypasses_producer():
    with pytest.warns(UserWarning, match="tokens <- tokenize"):
        prepared = prepare(COUNTER, {"tokens": ["a"]})
    assert prepared.values == {"tokens": ["a"]}  # 'text' is no longer required


def test_supplying_both_outputs_of_a_producer_bypasses_it():
    with pytest.warns(UserWarning, match="left <- split"):
        prepare(SPLITTER, {"left": "a", "right": "b"})


def test_exact_inputs_give_no_warning():
    prepare_quietly(COUNTER, {"text": "a b"})


# ---------------------------------------------------------------- hard conflicts
def test_producer_inputs_and_its_output_cannot_be_mixed():
    with pytest.raises(ValueError, match="Invalid internal override configuration") as info:
        prepare(COUNTER, {"text": "a", "tokens": ["b"]}, on_internal_override="ignore")
    assert "Cannot mix compute and inject for node 'tokenize'" in str(info.value)


def test_node_runnable_from_its_defaults_conflicts_with_its_injected_output():
    @node(output_name="config")
    def load_config(level: int = 1) -> dict:
        return {"level": level}

    @node(output_name="report")
    def use(config: dict) -> str:
        return str(config)

    with pytest.raises(ValueError, match="Cannot mix compute and inject for node 'load_config'"):
        prepare(Graph([load_config, use]), {"config": {}})


def test_supplying_one_of_two_consumed_outputs_is_a_partial_inject():
    with pytest.raises(ValueError, match="partial inject outputs") as info:
        prepare(SPLITTER, {"left": "a"})
    assert "'right'" in str(info.value) and "join" in str(info.value)


def test_partial_inject_is_fine_when_the_other_output_is_not_consumed():
    @node(output_name="shown")
    def show(left: str) -> str:
        return left

    with pytest.warns(UserWarning, match="left <- split"):
        prepare(Graph([split, show]), {"left": "a"})


# ---------------------------------------------------------------- bypass
def test_bypass_cascades_to_nodes_that_only_feed_a_bypassed_node():
    @node(output_name="u")
    def first(x: int) -> int:
        return x

    @node(output_name="mid")
    def second(u: int) -> int:
        return u

    @node(output_name="out")
    def third(mid: int, k: int) -> int:
        return mid + k

    graph = Graph([first, second, third])
    with pytest.warns(UserWarning, match="mid <- second"):
        prepare(graph, {"mid": 1, "k": 2})
    with pytest.raises(MissingInputError) as info:
        prepare(graph, {"mid": 1}, on_internal_override="ignore")
    assert info.value.missing == ["k"]


def test_input_shared_with_a_running_node_stays_required_after_bypass():
    @node(output_name="mid")
    def make(x: int) -> int:
        return x

    @node(output_name="out")
    def use(mid: int, x: int) -> int:
        return mid + x

    with pytest.raises(MissingInputError) as info:
        prepare(Graph([make, use]), {"mid": 1}, on_internal_override="ignore")
    assert info.value.missing == ["x"]


# ---------------------------------------------------------------- missing inputs
def test_missing_inputs_lists_every_name_sorted_with_what_was_provided():
    @node(output_name="s")
    def add(b: int, a: int, c: int = 0) -> int:
        return a + b + c

    with pytest.raises(MissingInputError) as info:
        prepare(Graph([add]), {"c": 1})
    error = info.value
    assert error.missing == ["a", "b"]
    assert error.provided == ["c"]
    assert "Missing required inputs" in str(error) and "'a'" in str(error)
    assert "bind()" in str(error)


def test_near_miss_key_is_suggested():
    with (
        pytest.raises(MissingInputError, match="Did you mean 'text' instead of 'txt'"),
        pytest.warns(UserWarning, match="'txt'"),
    ):
        prepare(COUNTER, {"txt": "a"})


def test_bound_inputs_count_as_provided():
    prepare_quietly(COUNTER.bind(text="a b"), {})


def test_bound_output_stands_in_for_its_producer():
    prepare_quietly(COUNTER.bind(tokens=["a"]), {})


def test_supplying_a_name_bound_in_a_nested_graph_is_accepted():
    @node(output_name="out")
    def scale(x: int, factor: int) -> int:
        return x * factor

    inner = Graph([scale], name="inner").bind(factor=2)
    outer = Graph([inner.as_node()])
    prepare_quietly(outer, {"x": 1, "factor": 5})
    with pytest.raises(MissingInputError) as info:
        prepare(outer, {})
    assert info.value.missing == ["x"]


# ---------------------------------------------------------------- scope: select, entrypoints
@node(output_name="rows")
def load(path: str) -> list:
    return [path]


@node(output_name="table")
def clean(rows: list, limit: int = 100) -> list:
    return rows[:limit]


@node(output_name="summary")
def report(table: list, title: str) -> str:
    return f"{title}: {table}"


PIPELINE = Graph([load, clean, report])


def test_runtime_select_drops_inputs_of_unneeded_nodes_from_requirements():
    prepare_quietly(PIPELINE, {"path": "p"}, select="table")


def test_inputs_of_unselected_nodes_are_not_reported_as_unknown():
    prepare_quietly(PIPELINE, {"path": "p", "title": "t"}, select="table")


def test_with_entrypoint_requires_the_entry_nodes_inputs():
    graph = PIPELINE.with_entrypoint("clean")
    with pytest.raises(MissingInputError) as info:
        prepare(graph, {"title": "t"})
    assert info.value.missing == ["rows"]
    prepare_quietly(graph, {"rows": [1], "title": "t"})


# ---------------------------------------------------------------- cycles
@node(output_name="total")
def add_step(total: int, step: int = 2) -> int:
    return total + step


@route(targets=["add_step", END])
def keep_going(total: int):
    return END if total >= 10 else "add_step"


LOOP = Graph([add_step, keep_going])


def test_cycle_entry_value_is_accepted_silently():
    prepare_quietly(LOOP, {"total": 1})
    prepare_quietly(LOOP, {"total": 1, "step": 3})


def test_cycle_without_entry_value_raises_missing_input_with_empty_missing():
    with pytest.raises(MissingInputError, match="No entry point for cycle") as info:
        prepare(LOOP, {"step": 1})
    assert info.value.missing == []
    assert "add_step" in str(info.value) and "total" in str(info.value)


@node(output_name="y")
def forward(x: int) -> int:
    return x + 1


@node(output_name="x")
def backward(y: int) -> int:
    return y - 1


TWO_ENTRY_LOOP = Graph([forward, backward])


def test_two_entry_cycle_has_one_entry_point_per_member():
    assert TWO_ENTRY_LOOP.inputs.entrypoints == {"backward": ("y",), "forward": ("x",)}


def test_either_entry_point_alone_is_enough():
    prepare_quietly(TWO_ENTRY_LOOP, {"x": 1})
    prepare_quietly(TWO_ENTRY_LOOP, {"y": 1})


def test_values_for_two_different_entry_points_are_ambiguous():
    with pytest.raises(ValueError, match="Ambiguous cycle entry") as info:
        prepare(TWO_ENTRY_LOOP, {"x": 1, "y": 2})
    assert "forward" in str(info.value) and "backward" in str(info.value)


def test_explicit_entrypoint_resolves_the_ambiguity():
    prepare_quietly(TWO_ENTRY_LOOP, {"x": 1, "y": 2}, entrypoint="forward")


def test_explicit_entrypoint_without_its_values_raises():
    with pytest.raises(ValueError, match="entrypoint='forward' needs") as info:
        prepare(TWO_ENTRY_LOOP, {"y": 2}, entrypoint="forward")
    assert "'x'" in str(info.value)


def test_entrypoint_that_is_not_an_entry_point_raises():
    with pytest.raises(ValueError, match="is not a valid entry point") as info:
        prepare(LOOP, {"total": 1}, entrypoint="keep_going")
    assert "add_step" in str(info.value)


def test_entrypoint_on_an_acyclic_graph_is_not_valid():
    with pytest.raises(ValueError, match="is not a valid entry point"):
        prepare(COUNTER, {"text": "a"}, entrypoint="tokenize")


def test_other_cycles_are_still_checked_when_one_entrypoint_is_chosen():
    graph = Graph([forward, backward, add_step, keep_going])
    with pytest.raises(MissingInputError, match="No entry point for cycle"):
        prepare(graph, {"x": 1}, entrypoint="forward")
    prepare_quietly(graph, {"x": 1, "total": 0}, entrypoint="forward")


def test_defaulted_self_loop_value_may_be_supplied_without_warning():
    @node(output_name="count")
    def bump(count: int = 0) -> int:
        return count + 1

    graph = Graph([bump])
    assert graph.inputs.entrypoints == {}
    prepare_quietly(graph, {"count": 5})
    prepare_quietly(graph, {})


def test_cycle_members_are_not_bypassed_by_their_entry_value():
    @node(output_name="draft")
    def refine(draft: str, model: str) -> str:
        return draft + model

    @route(targets=["refine", END])
    def again(draft: str):
        return END if len(draft) > 5 else "refine"

    with pytest.raises(MissingInputError) as info:
        prepare(Graph([refine, again]), {"draft": "d"})
    assert info.value.missing == ["model"]


def test_missing_required_and_missing_cycle_entry_are_reported_together():
    @node(output_name="total")
    def accumulate(total: int, step: int) -> int:
        return total + step

    @route(targets=["accumulate", END])
    def more(total: int):
        return END

    with pytest.raises(MissingInputError) as info:
        prepare(Graph([accumulate, more]), {})
    assert info.value.missing == ["step"]
    assert "No entry point for cycle" in str(info.value)


# ---------------------------------------------------------------- interrupts
@node(output_name="draft")
def write(topic: str) -> str:
    return f"Notes on {topic}"


@interrupt(output_name="verdict")
def review(draft: str) -> str | None:
    return None


@node(output_name="published")
def publish(draft: str, verdict: str) -> str:
    return f"{draft} [{verdict}]"


REVIEWED = Graph([write, review, publish])


def test_interrupt_output_supplied_to_resume_is_not_flagged():
    prepare_quietly(REVIEWED, {"topic": "owls", "verdict": "ok"})


def test_interrupt_output_supplied_with_the_interrupts_inputs_is_not_a_conflict():
    graph = Graph([review, publish])
    prepare_quietly(graph, {"draft": "d", "verdict": "ok"})


def test_interrupt_output_is_never_required():
    prepare_quietly(REVIEWED, {"topic": "owls"})
