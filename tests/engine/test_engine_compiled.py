"""Which runs engine/compiled.py compiles, and what the generated function does."""

from __future__ import annotations

from typing import Any

import pytest

from hypergraph import END, Graph, RetryPolicy, SyncRunner, interrupt, node, route
from hypergraph.engine.compiled import compile_run
from hypergraph.engine.plan import get_plan


def _no_nested(p: Any, ctx: Any, values: dict[str, Any]) -> dict[str, Any]:
    raise AssertionError("no GraphNode in these graphs")


@node(output_name="b")
def add_one(a: int) -> int:
    return a + 1


@node(output_name="c")
def double(b: int) -> int:
    return b * 2


def _compile(graph: Graph, keys: set[str], **options: Any) -> Any:
    selected = options.get("selected")
    on_missing = options.get("on_missing", "ignore")
    return compile_run(get_plan(graph), frozenset(keys), selected, on_missing, _no_nested)


def test_chain_compiles_to_calls_in_schedule_order() -> None:
    compiled = _compile(Graph([double, add_one]), {"a"})
    assert [p.name for p in compiled.order] == ["add_one", "double"]
    values = {"a": 1}
    position, outputs, _ = compiled.function(values, None)
    assert position is None
    assert list(outputs.items()) == [("c", 4), ("b", 2)]  # graph output order
    assert "c2(x0)" in compiled.source  # a plain function gets its parameter positionally


def test_failure_reports_its_position_and_keeps_earlier_values() -> None:
    @node(output_name="c")
    def refuse(b: int) -> int:
        raise ValueError("no")

    compiled = _compile(Graph([add_one, refuse]), {"a"})
    values = {"a": 1}
    position, error, frame_locals = compiled.function(values, None)
    assert (position, type(error)) == (1, ValueError)
    compiled.failed_state(values, frame_locals)
    assert values == {"a": 1, "b": 2}


def test_supplied_intermediate_value_is_not_compiled() -> None:
    assert _compile(Graph([add_one, double]), {"a", "b"}) is None


def test_missing_selected_output_with_on_missing_warn_is_not_compiled() -> None:
    @node(output_name="e")
    def needs_z(z: int) -> int:
        return z

    graph = Graph([add_one, needs_z])  # without z, needs_z never runs
    assert _compile(graph, {"a"}, selected=("b", "e"), on_missing="warn") is None
    assert _compile(graph, {"a"}, selected=("b", "e"), on_missing="ignore") is not None
    assert _compile(graph, {"a"}, selected=("b",), on_missing="warn") is not None


def _gate_graph() -> Graph:
    @route(targets=["add_one", END])
    def gate(a: int) -> Any:
        return "add_one"

    return Graph([gate, add_one])


def _cached_graph() -> Graph:
    return Graph([node(output_name="b", cache=True)(add_one.func)])


def _retry_graph() -> Graph:
    policy = RetryPolicy(max_attempts=2, retry_on=(ValueError,))
    return Graph([node(output_name="b", retry=policy)(add_one.func)])


def _interrupt_graph() -> Graph:
    @interrupt(output_name="b")
    def ask(a: int) -> None:
        return None

    return Graph([ask])


def _generator_graph() -> Graph:
    @node(output_name="b")
    def items(a: int) -> Any:
        yield a

    return Graph([items])


def _mutable_default_graph() -> Graph:
    @node(output_name="b")
    def with_list(a: int, seen: list[int] = []) -> int:  # noqa: B006 - the case under test
        return a

    return Graph([with_list])


@pytest.mark.parametrize(
    "make",
    [_gate_graph, _cached_graph, _retry_graph, _interrupt_graph, _generator_graph,
     _mutable_default_graph],
)  # fmt: skip
def test_runs_that_need_the_general_path_are_not_compiled(make: Any) -> None:
    assert _compile(make(), {"a"}) is None


def test_nested_graph_runs_through_the_compiled_outer_run() -> None:
    inner = Graph([add_one, double], name="inner")

    @node(output_name="d")
    def minus(c: int) -> int:
        return c - 3

    graph = Graph([inner.as_node(), minus])
    result = SyncRunner().run(graph, a=1)
    assert dict(result.values) == {"b": 2, "c": 4, "d": 1}
    assert any(c is not None for c in get_plan(graph).compiled.values())
