"""prepare_run: argument normalisation, runner compatibility, runtime select, option checks, memo.

The runners are small test doubles carrying only what prepare_run reads (``capabilities`` and
``supported_node_types``), so these tests do not depend on the engine.
"""

from __future__ import annotations

import pickle
import warnings

import pytest

from hypergraph.exceptions import GraphConfigError, IncompatibleRunnerError, MissingInputError
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
from hypergraph.runners.checks.arguments import (
    ALL_OUTPUTS_DEFAULT,
    MAP_RESERVED,
    RUN_RESERVED,
    check_map_compatible,
    prepare_run,
)
from hypergraph.runners.result import RunnerCapabilities

SYNC_TYPES = {FunctionNode, GraphNode, IfElseNode, RouteNode}


class SyncLikeRunner:
    capabilities = RunnerCapabilities()
    supported_node_types = SYNC_TYPES


class AsyncLikeRunner:
    capabilities = RunnerCapabilities(
        supports_async_nodes=True, returns_coroutine=True, supports_interrupts=True
    )
    supported_node_types = SYNC_TYPES | {InterruptNode}


class AcyclicRunner:
    capabilities = RunnerCapabilities(supports_cycles=False)
    supported_node_types = SYNC_TYPES


def prepare(graph, values=None, runner=None, **options):
    kwargs = options.pop("kwargs", {})
    return prepare_run(graph, values, kwargs, runner=runner or SyncLikeRunner(), **options)


@node(output_name="rows")
def load(path: str) -> list:
    return [path]


@node(output_name="table")
def clean(rows: list, limit: int = 100) -> list:
    return rows[:limit]


@node(output_name="summary")
def report(table: list, title: str) -> str:
    return f"{title}: {table}"


PIPELINE = Graph([load, clean, report], name="pipeline")


@node(output_name="y")
def double(x: int) -> int:
    return 2 * x


SIMPLE = Graph([double])


# ---------------------------------------------------------------- step 1: normalisation
def test_values_and_kwargs_merge_into_a_fresh_dict():
    values = {"path": "p"}
    prepared = prepare(PIPELINE, values, kwargs={"title": "T"})
    assert prepared.values == {"path": "p", "title": "T"}
    prepared.values["extra"] = 1
    assert values == {"path": "p"}


def test_prepared_values_do_not_follow_later_changes_to_the_callers_dict():
    values = {"x": 1}
    prepared = prepare(SIMPLE, values)
    values["x"] = 99
    assert prepared.values == {"x": 1}


def test_none_values_with_kwargs_only():
    assert prepare(SIMPLE, None, kwargs={"x": 3}).values == {"x": 3}


def test_same_key_in_values_and_kwargs_raises():
    with pytest.raises(ValueError, match="both values and kwargs") as info:
        prepare(SIMPLE, {"x": 1}, kwargs={"x": 2})
    assert "'x'" in str(info.value)


@pytest.mark.parametrize("option", sorted(RUN_RESERVED))
def test_reserved_run_option_as_keyword_input_raises(option):
    with pytest.raises(ValueError, match="reserved runner options") as info:
        prepare(SIMPLE, {"x": 1}, kwargs={option: 2})
    assert option in str(info.value) and "values" in str(info.value)


def test_map_reserved_names_apply_when_requested():
    with pytest.raises(ValueError, match="reserved runner options"):
        prepare(SIMPLE, {"x": 1}, kwargs={"map_over": "x"}, reserved=MAP_RESERVED)
    assert "map_over" in MAP_RESERVED and "max_iterations" not in MAP_RESERVED


def test_input_named_like_an_option_works_through_values():
    @node(output_name="picked")
    def pick(select: str) -> str:
        return select

    prepared = prepare(Graph([pick]), {"select": "a"})
    assert prepared.values == {"select": "a"}


def test_values_that_are_not_a_mapping_raise_type_error():
    with pytest.raises(TypeError, match="values must be a dict"):
        prepare(SIMPLE, [("x", 1)])


# ---------------------------------------------------------------- steps 2-3: compatibility
@node(output_name="page")
async def fetch(url: str) -> str:
    return url


def test_async_node_under_sync_runner_is_incompatible_and_suggests_async_runner():
    graph = Graph([fetch, double])
    with pytest.raises(IncompatibleRunnerError) as info:
        prepare(graph, {"url": "u", "x": 1})
    error = info.value
    assert error.node_name == "fetch"
    assert error.capability == "supports_async_nodes"
    assert "'fetch'" in str(error) and "AsyncRunner" in str(error)


def test_graph_node_containing_async_node_is_named():
    inner = Graph([fetch], name="crawler")
    graph = Graph([inner.as_node()])
    with pytest.raises(IncompatibleRunnerError) as info:
        prepare(graph, {"url": "u"})
    assert info.value.node_name == "crawler"
    assert "crawler/fetch" in str(info.value)


def test_async_nodes_are_fine_for_an_async_capable_runner():
    prepared = prepare(Graph([fetch]), {"url": "u"}, runner=AsyncLikeRunner())
    assert prepared.values == {"url": "u"}


@node(output_name="total")
def add_step(total: int, step: int = 2) -> int:
    return total + step


@route(targets=["add_step", END])
def keep_going(total: int):
    return END if total >= 10 else "add_step"


LOOP = Graph([add_step, keep_going])


def test_cycle_without_cycle_support_is_incompatible():
    with pytest.raises(IncompatibleRunnerError) as info:
        prepare(LOOP, {"total": 1}, runner=AcyclicRunner())
    assert info.value.capability == "supports_cycles"


@interrupt(output_name="verdict")
def review(draft: str) -> str | None:
    return None


def test_interrupt_under_sync_runner_is_incompatible():
    with pytest.raises(IncompatibleRunnerError, match="InterruptNode") as info:
        prepare(Graph([review]), {"draft": "d"})
    assert info.value.capability == "supports_interrupts"
    assert info.value.node_name == "review"


def test_node_type_outside_supported_types_raises_type_error():
    class OnlyFunctions:
        capabilities = RunnerCapabilities()
        supported_node_types = {FunctionNode}

    with pytest.raises(TypeError, match="keep_going") as info:
        prepare(LOOP, {"total": 1}, runner=OnlyFunctions())
    assert "RouteNode" in str(info.value)


def test_node_subclass_is_rejected_because_types_match_exactly():
    class CustomNode(FunctionNode):
        pass

    graph = Graph([CustomNode(lambda x: x, name="custom", output_name="z")])
    with pytest.raises(TypeError, match="CustomNode"):
        prepare(graph, {"x": 1})


def test_compatibility_is_checked_before_inputs():
    with pytest.raises(IncompatibleRunnerError):
        prepare(Graph([fetch]), {})


def test_map_over_interrupt_graph_is_refused_for_every_runner():
    with pytest.raises(IncompatibleRunnerError, match="InterruptNode"):
        check_map_compatible(Graph([review]))
    check_map_compatible(SIMPLE)  # no interrupts: nothing to refuse


# ---------------------------------------------------------------- step 4: runtime select
def test_omitted_select_uses_the_graphs_selection():
    assert prepare(PIPELINE.select("table"), {"path": "p"}).selected == ("table",)
    assert prepare(PIPELINE, {"path": "p", "title": "t"}).selected is None


def test_explicit_all_outputs_overrides_the_graphs_selection():
    prepared = prepare(PIPELINE.select("table"), {"path": "p", "title": "t"}, select="**")
    assert prepared.selected is None


def test_all_outputs_restores_requirements_hidden_by_graph_selection():
    with pytest.raises(MissingInputError) as info:
        prepare(PIPELINE.select("table"), {"path": "p"}, select="**")
    assert info.value.missing == ["title"]


def test_string_select_picks_one_output_and_narrows_required_inputs():
    prepared = prepare(PIPELINE, {"path": "p"}, select="table")
    assert prepared.selected == ("table",)


def test_list_select_keeps_the_given_order():
    prepared = prepare(PIPELINE, {"path": "p", "title": "t"}, select=["summary", "rows"])
    assert prepared.selected == ("summary", "rows")


def test_runtime_select_overrides_graph_selection():
    prepared = prepare(PIPELINE.select("table"), {"path": "p", "title": "t"}, select="summary")
    assert prepared.selected == ("summary",)


@pytest.mark.parametrize("on_missing", ["ignore", "warn", "error"])
def test_misspelt_select_raises_graph_config_error_whatever_on_missing(on_missing):
    with pytest.raises(GraphConfigError, match="tabel") as info:
        prepare(PIPELINE, {"path": "p", "title": "t"}, select="tabel", on_missing=on_missing)
    assert "Did you mean 'table'" in str(info.value)


def test_misspelt_select_is_reported_before_missing_inputs():
    with pytest.raises(GraphConfigError):
        prepare(PIPELINE, {}, select=["summary", "nope"])


def test_select_of_wrong_type_raises_type_error():
    with pytest.raises(TypeError, match="select must be"):
        prepare(SIMPLE, {"x": 1}, select=3)


def test_all_outputs_default_sentinel_is_a_pickleable_singleton():
    assert repr(ALL_OUTPUTS_DEFAULT) == "'**'"
    assert pickle.loads(pickle.dumps(ALL_OUTPUTS_DEFAULT)) is ALL_OUTPUTS_DEFAULT
    assert ALL_OUTPUTS_DEFAULT != "**"


# ---------------------------------------------------------------- step 6: option strings
def test_invalid_on_missing_raises_even_when_nothing_is_missing():
    with pytest.raises(ValueError, match="Invalid on_missing"):
        prepare(SIMPLE, {"x": 1}, on_missing="loud")


def test_invalid_error_handling_raises_with_a_fix():
    with pytest.raises(ValueError, match="Invalid error_handling") as info:
        prepare(SIMPLE, {"x": 1}, error_handling="skip")
    assert "How to fix" in str(info.value)


def test_valid_options_are_passed_through():
    prepared = prepare(SIMPLE, {"x": 1}, on_missing="warn", error_handling="continue")
    assert (prepared.on_missing, prepared.error_handling) == ("warn", "continue")


# ---------------------------------------------------------------- memo
def test_repeated_calls_give_independent_results():
    first = prepare(SIMPLE, {"x": 1})
    second = prepare(SIMPLE, {"x": 2})
    assert first.values == {"x": 1} and second.values == {"x": 2}
    assert first.values is not second.values


def test_memo_distinguishes_key_sets():
    graph = Graph([double])
    prepare(graph, {"x": 1})
    with pytest.raises(MissingInputError):
        prepare(graph, {})
    with pytest.raises(MissingInputError):
        prepare(graph, {})


def test_memo_distinguishes_options():
    graph = Graph([double])
    prepare(graph, {"x": 1}, on_missing="ignore")
    with pytest.raises(ValueError, match="Invalid on_missing"):
        prepare(graph, {"x": 1}, on_missing="nope")
    with pytest.raises(ValueError, match="Invalid on_missing"):
        prepare(graph, {"x": 1}, on_missing="nope")


def test_memo_distinguishes_runner_types():
    graph = Graph([fetch])
    prepare(graph, {"url": "u"}, runner=AsyncLikeRunner())
    with pytest.raises(IncompatibleRunnerError):
        prepare(graph, {"url": "u"}, runner=SyncLikeRunner())


def test_bound_graph_derived_after_a_memoised_run_has_its_own_verdict():
    graph = Graph([double])
    with pytest.raises(MissingInputError):
        prepare(graph, {})
    assert prepare(graph.bind(x=3), {}).values == {}


def test_policy_warning_fires_on_every_memoised_call_and_points_at_the_caller():
    graph = Graph([double])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepare(graph, {"x": 1, "unused": 0})
        prepare(graph, {"x": 2, "unused": 0})
    assert len(caught) == 2
    assert all(issubclass(w.category, UserWarning) for w in caught)
    assert all(w.filename == __file__ for w in caught)
