"""``SyncRunner.map`` failures: bad requests raise before any item runs; failing items obey
``error_handling``."""

from __future__ import annotations

import threading

import pytest

from hypergraph import (
    Graph,
    GraphConfigError,
    IncompatibleRunnerError,
    MissingInputError,
    RunStatus,
    SyncRunner,
    interrupt,
    node,
)


def recording_graph(calls: list) -> Graph:
    """``y = 10 / x``, recording every call: x == 0 fails with ZeroDivisionError."""

    @node(output_name="y")
    def invert(x: int) -> float:
        calls.append(x)
        return 10 / x

    @node(output_name="z")
    def plus_one(y: float) -> float:
        return y + 1

    return Graph([invert, plus_one], name="inverter")


# ------------------------------------------------------------------ checked before any item runs
def test_map_over_name_without_a_value_raises_key_error_before_any_item_runs():
    calls: list = []
    with pytest.raises(KeyError, match="map_over names 'q'"):
        SyncRunner().map(recording_graph(calls), x=[1, 2], map_over=["x", "q"])
    with pytest.raises(KeyError):
        SyncRunner().map(recording_graph(calls), {"y": [1]}, map_over="x")
    assert calls == []


def test_invalid_map_mode_raises_value_error():
    calls: list = []
    with pytest.raises(ValueError, match="Invalid map mode 'cartesian'"):
        SyncRunner().map(recording_graph(calls), x=[1], map_over="x", map_mode="cartesian")
    assert calls == []


def test_uncopyable_clone_value_raises_graph_config_error_before_any_item_runs():
    calls: list = []

    @node(output_name="y")
    def use(x: int, lock: object) -> int:
        calls.append(x)
        return x

    with pytest.raises(GraphConfigError, match="cannot be deep-copied for clone"):
        SyncRunner().map(Graph([use]), x=[1, 2], lock=threading.Lock(), map_over="x", clone=True)
    assert calls == []


def test_reserved_runner_options_cannot_be_passed_as_keyword_inputs():
    calls: list = []
    with pytest.raises(ValueError, match="reserved runner options"):
        SyncRunner().map(recording_graph(calls), x=[1], map_over="x", max_concurrency=2)
    assert calls == []


def test_a_key_in_both_values_and_kwargs_raises():
    with pytest.raises(ValueError, match="both values and kwargs"):
        SyncRunner().map(recording_graph([]), {"x": [1]}, x=[2], map_over="x")


def test_invalid_error_handling_raises_with_a_fix():
    with pytest.raises(ValueError, match="Invalid error_handling.*How to fix"):
        SyncRunner().map(recording_graph([]), x=[1], map_over="x", error_handling="ignore")


def test_invalid_on_missing_raises():
    with pytest.raises(ValueError, match="Invalid on_missing"):
        SyncRunner().map(recording_graph([]), x=[1], map_over="x", on_missing="loud")


def test_missing_input_raises_before_any_item_runs_on_sync_runner():
    @node(output_name="s")
    def add(a: int, b: int) -> int:
        return a + b

    for mode in ("raise", "continue"):
        with pytest.raises(MissingInputError, match="'b'") as info:
            SyncRunner().map(Graph([add]), a=[1, 2], map_over="a", error_handling=mode)
        assert info.value.missing == ["b"]


def test_misspelt_select_raises_graph_config_error():
    with pytest.raises(GraphConfigError, match="Did you mean 'z'"):
        SyncRunner().map(recording_graph([]), x=[1], map_over="x", select="zz")


def test_mapping_over_a_string_raises_type_error():
    with pytest.raises(TypeError, match="sized iterable"):
        SyncRunner().map(recording_graph([]), x="123", map_over="x")


def test_top_level_interrupt_is_refused_naming_interrupt_node():
    @interrupt(output_name="decision")
    def approve(draft: str) -> str | None:
        return None

    graph = Graph([approve])
    with pytest.raises(IncompatibleRunnerError, match="InterruptNode") as info:
        SyncRunner().map(graph, draft=["a", "b"], map_over="draft")
    assert info.value.capability == "supports_interrupts"
    # Refused for an empty map too: the graph, not the data, is the problem.
    with pytest.raises(IncompatibleRunnerError, match="InterruptNode"):
        SyncRunner().map(graph, draft=[], map_over="draft")


def test_async_nodes_are_refused_before_any_item_runs():
    @node(output_name="y")
    async def fetch(x: int) -> int:
        return x

    with pytest.raises(IncompatibleRunnerError, match="AsyncRunner") as info:
        SyncRunner().map(Graph([fetch]), x=[1], map_over="x")
    assert info.value.capability == "supports_async_nodes"


# ------------------------------------------------------------------------- failing items
def test_raise_stops_at_the_first_failing_item_and_raises_its_exception():
    calls: list = []
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        SyncRunner().map(recording_graph(calls), x=[1, 2, 0, 4, 0], map_over="x")
    assert calls == [1, 2, 0]  # items after the failing one never ran


def test_raise_is_the_default_and_re_raises_the_original_exception_object():
    boom = RuntimeError("boom on item 1")

    @node(output_name="y")
    def explode(x: int) -> int:
        if x == 1:
            raise boom
        return x

    with pytest.raises(RuntimeError) as info:
        SyncRunner().map(Graph([explode]), x=[0, 1, 2], map_over="x")
    assert info.value is boom


def test_continue_runs_every_item_and_marks_only_failures_failed():
    calls: list = []
    results = SyncRunner().map(
        recording_graph(calls), x=[1, 0, 5, 0], map_over="x", error_handling="continue"
    )
    assert calls == [1, 0, 5, 0]
    assert [r.status for r in results] == [
        RunStatus.COMPLETED,
        RunStatus.FAILED,
        RunStatus.COMPLETED,
        RunStatus.FAILED,
    ]
    assert [r.error is None for r in results] == [True, False, True, False]
    assert all(isinstance(r.error, ZeroDivisionError) for r in results if r.error)
    assert results[0]["z"] == 11.0 and results[2]["z"] == 3.0
    assert dict(results[1].values) == {}  # the first node failed: nothing was produced


def test_continue_keeps_outputs_produced_before_the_failure():
    @node(output_name="y")
    def double(x: int) -> int:
        return 2 * x

    @node(output_name="z")
    def check(y: int) -> int:
        if y > 4:
            raise ValueError(f"y={y} is too big")
        return y

    results = SyncRunner().map(
        Graph([double, check]), x=[1, 3], map_over="x", error_handling="continue"
    )
    assert dict(results[0].values) == {"y": 2, "z": 2}
    assert results[1].status == "failed" and dict(results[1].values) == {"y": 6}
    assert str(results[1].error) == "y=6 is too big"


def test_keyboard_interrupt_from_an_item_is_not_caught_even_with_continue():
    @node(output_name="y")
    def stop(x: int) -> int:
        if x == 2:
            raise KeyboardInterrupt
        return x

    with pytest.raises(KeyboardInterrupt):
        SyncRunner().map(Graph([stop]), x=[1, 2, 3], map_over="x", error_handling="continue")


def test_on_missing_error_raises_from_the_item_that_misses_an_output():
    from hypergraph import END, route

    @route(targets=["double_it", END])
    def big_enough(x: int) -> object:
        return "double_it" if x > 1 else END

    @node(output_name="doubled")
    def double_it(x: int) -> int:
        return 2 * x

    graph = Graph([big_enough, double_it])
    with pytest.raises(ValueError, match="Requested outputs not found"):
        SyncRunner().map(graph, x=[2, 1], map_over="x", select="doubled", on_missing="error")
