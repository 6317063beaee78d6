"""The shared map machinery other drivers build on: planning once, one item as a pure function."""

from __future__ import annotations

import pickle
import warnings

import pytest

from hypergraph import Graph, MissingInputError, SyncRunner, node
from hypergraph.runners.map_plan import (
    ItemOptions,
    plan_map,
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


def test_graph_and_item_options_survive_pickling_and_run_the_same():
    options = ItemOptions(error_handling="continue", on_internal_override="ignore")
    graph, options = pickle.loads(pickle.dumps((GRAPH, options)))
    [result] = SyncRunner().map(
        graph,
        {"x": [-1]},
        map_over="x",
        error_handling=options.error_handling,
        on_internal_override=options.on_internal_override,
    )
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


def test_map_results_behave_like_results_built_by_the_dataclass():
    from hypergraph import RunResult

    [result] = SyncRunner().map(GRAPH, x=[2], map_over="x")
    rebuilt = RunResult(dict(result.values), result.status, run_id=result.run_id)
    assert result == rebuilt
    assert result.values() is not None and list(result.values()) == [4, 4]
    assert result.workflow_id is None and result.pause is None and result.completed
    assert repr(result) == repr(rebuilt)
