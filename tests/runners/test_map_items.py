"""The shared map machinery other drivers build on: planning once, one item as a pure function."""

from __future__ import annotations

import pickle
import warnings

import pytest

from hypergraph import Graph, MissingInputError, RunStatus, SyncRunner, node
from hypergraph.runners.map_plan import (
    ItemOptions,
    failed_item_result,
    plan_map,
    run_map_item,
    settle_outcomes,
)


@node(output_name="doubled")
def double(x: int) -> int:
    return 2 * x


@node(output_name="total")
def add(doubled: int, offset: int = 0) -> int:
    if doubled < 0:
        raise ValueError("negative")
    return doubled + offset


GRAPH = Graph([double, add], name="arith")


def test_run_map_item_gives_the_same_result_as_the_matching_map_item():
    options = ItemOptions(select="total")
    mapped = SyncRunner().map(GRAPH, x=[1, 2, 3], offset=10, map_over="x", select="total")
    singles = [run_map_item(GRAPH, {"x": x, "offset": 10}, options) for x in (1, 2, 3)]
    assert [dict(r.values) for r in singles] == [dict(r.values) for r in mapped]
    assert [r.status for r in singles] == [RunStatus.COMPLETED] * 3


def test_graph_values_and_options_survive_pickling_and_run_the_same():
    options = ItemOptions(error_handling="continue", on_internal_override="ignore")
    graph, values, options = pickle.loads(pickle.dumps((GRAPH, {"x": -1}, options)))
    result = run_map_item(graph, values, options)
    assert result.status == "failed" and str(result.error) == "negative"
    assert dict(result.values) == {"doubled": -2}
    assert pickle.loads(pickle.dumps(ItemOptions())) == ItemOptions()


def test_plan_map_checks_once_and_plans_items_lazily():
    plan = plan_map(
        GRAPH,
        {"x": [1, 2, 3], "offset": 5},
        None,
        runner=SyncRunner(),
        map_over="x",
        options=ItemOptions(),
    )
    assert plan.count == 3 and plan.item_error is None
    first = next(plan.items)
    assert first == {"x": 1, "offset": 5}
    prepared = plan.prepared_for(first)
    assert prepared.values is first and prepared.error_handling == "raise"


def test_plan_map_of_a_huge_product_does_not_materialise_the_items():
    big = list(range(10_000))
    plan = plan_map(
        Graph([node(output_name="s")(_pair_sum)]),
        {"a": big, "b": big},
        None,
        runner=SyncRunner(),
        map_over=["a", "b"],
        map_mode="product",
    )
    assert plan.count == 100_000_000
    assert next(plan.items) == {"a": 0, "b": 0}
    assert next(plan.items) == {"a": 0, "b": 1}


def _pair_sum(a: int, b: int) -> int:
    return a + b


def test_plan_map_can_defer_run_start_errors_for_async_continue():
    plan = plan_map(
        Graph([node(output_name="s")(_pair_sum)]),
        {"a": [1, 2]},
        None,
        runner=SyncRunner(),
        map_over="a",
        defer_item_errors=True,
    )
    assert isinstance(plan.item_error, MissingInputError) and plan.prepared is None
    with pytest.raises(MissingInputError):
        plan_map(
            Graph([node(output_name="s")(_pair_sum)]),
            {"a": [1, 2]},
            None,
            runner=SyncRunner(),
            map_over="a",
        )


def test_empty_plan_skips_the_run_checks():
    plan = plan_map(GRAPH, {"x": []}, {"unknown": 1}, runner=SyncRunner(), map_over="x")
    assert plan.count == 0 and plan.prepared is None and list(plan.items) == []


def test_plan_map_warns_about_internal_overrides_once():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan_map(GRAPH, {"x": [1, 2, 3], "bogus": 1}, None, runner=SyncRunner(), map_over="x")
    assert len(caught) == 1


def test_settle_outcomes_raise_reports_the_first_failure_in_input_order():
    first, second = ValueError("first"), KeyError("second")
    ok = failed_item_result(first)  # a FAILED result counts as that item's failure
    done = run_map_item(GRAPH, {"x": 1}, ItemOptions())
    with pytest.raises(ValueError, match="first"):
        settle_outcomes([done, ok, second], "raise")
    with pytest.raises(KeyError):
        settle_outcomes([done, second, ok], "raise")


def test_settle_outcomes_continue_turns_exceptions_into_failed_results():
    done = run_map_item(GRAPH, {"x": 1}, ItemOptions())
    error = MissingInputError(["x"])
    settled = settle_outcomes([done, error], "continue")
    assert settled[0] is done
    assert settled[1].status == RunStatus.FAILED and settled[1].error is error
    assert dict(settled[1].values) == {}


def test_map_results_behave_like_results_built_by_the_dataclass():
    from hypergraph import RunResult

    [result] = SyncRunner().map(GRAPH, x=[2], map_over="x")
    rebuilt = RunResult(dict(result.values), result.status, run_id=result.run_id)
    assert result == rebuilt
    assert result.values() is not None and list(result.values()) == [4, 4]
    assert result.workflow_id is None and result.pause is None and result.completed
    assert repr(result) == repr(rebuilt)
