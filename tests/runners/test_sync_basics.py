"""SyncRunner through the public API: runner surface, inputs, defaults, outputs
(docs/guides/running.md)."""

from __future__ import annotations

import re
import threading

import pytest

from hypergraph import (
    BaseRunner,
    FunctionNode,
    Graph,
    GraphConfigError,
    GraphNode,
    IfElseNode,
    IncompatibleRunnerError,
    MissingInputError,
    RouteNode,
    RunResult,
    RunStatus,
    SyncRunner,
    node,
)
from hypergraph.runners import RunnerCapabilities


@node(output_name="doubled")
def double(x: int) -> int:
    return x * 2


@node(output_name="tripled")
def triple(doubled: int) -> int:
    return doubled * 3


# ---------------------------------------------------------------- runner surface
def test_sync_runner_declares_its_capabilities():
    runner = SyncRunner()
    caps = runner.capabilities
    assert isinstance(caps, RunnerCapabilities)
    assert caps.supports_cycles is True
    assert caps.supports_async_nodes is False
    assert caps.supports_streaming is False
    assert caps.returns_coroutine is False
    assert caps.supports_interrupts is False
    assert runner.default_max_iterations == 1000
    assert runner.supported_node_types == {FunctionNode, GraphNode, IfElseNode, RouteNode}


def test_sync_runner_keeps_its_cache_backend():
    backend = object()
    assert SyncRunner(cache=backend).cache is backend
    assert SyncRunner().cache is None


def test_base_runner_is_abstract():
    assert issubclass(SyncRunner, BaseRunner)
    with pytest.raises(TypeError):
        BaseRunner()  # type: ignore[abstract]


def test_run_accepts_values_dict_and_keywords():
    runner = SyncRunner()
    assert runner.run(Graph([double]), {"x": 5})["doubled"] == 10
    assert runner.run(Graph([double]), x=6)["doubled"] == 12


def test_run_returns_completed_result_with_run_id():
    result = SyncRunner().run(Graph([double, triple]), x=1)
    assert isinstance(result, RunResult)
    assert result.status == RunStatus.COMPLETED and result.completed
    assert result.error is None and result.pause is None
    assert result.values == {"doubled": 2, "tripled": 6}
    # docs/guides/running.md: run ids look like "run-" + 12 hex chars and are unique per run.
    other = SyncRunner().run(Graph([double]), x=1)
    assert re.fullmatch(r"run-[0-9a-f]{12}", result.run_id)
    assert result.run_id != other.run_id
    many = SyncRunner().map(Graph([double]), x=list(range(2000)), map_over="x")
    ids = [r.run_id for r in many]
    assert len(set(ids)) == 2000 and all(re.fullmatch(r"run-[0-9a-f]{12}", i) for i in ids)


def test_repr_of_result_with_huge_values_stays_short():
    @node(output_name="big")
    def make_big(n: int) -> list[str]:
        return ["x" * 1000] * n

    result = SyncRunner().run(Graph([make_big]), n=10_000)
    assert len(repr(result)) <= 4000


def test_max_concurrency_is_a_reserved_option_for_sync_run():
    with pytest.raises(ValueError, match="reserved runner options"):
        SyncRunner().run(Graph([double]), x=1, max_concurrency=2)


@pytest.mark.parametrize("bad", [0, -3])
def test_max_iterations_below_one_is_rejected(bad):
    with pytest.raises(ValueError, match="max_iterations"):
        SyncRunner().run(Graph([double]), x=1, max_iterations=bad)


def test_run_and_map_signatures_follow_the_spec():
    import inspect

    run = inspect.signature(SyncRunner.run).parameters
    assert list(run)[:3] == ["self", "graph", "values"]
    assert run["values"].default is None
    assert run["on_missing"].default == "ignore"
    assert run["on_internal_override"].default == "warn"
    assert run["entrypoint"].default is None and run["max_iterations"].default is None
    assert run["error_handling"].default == "raise"
    assert run["event_processors"].default is None
    assert run["input_values"].kind is inspect.Parameter.VAR_KEYWORD
    mapped = inspect.signature(SyncRunner.map).parameters
    assert mapped["map_over"].default is inspect.Parameter.empty
    assert mapped["map_mode"].default == "zip" and mapped["clone"] is not None
    assert mapped["clone"].default is False


# ---------------------------------------------------------------- compatibility
def test_async_node_is_rejected_naming_it():
    @node(output_name="y")
    async def fetch(x: int) -> int:
        return x

    with pytest.raises(IncompatibleRunnerError, match="fetch"):
        SyncRunner().run(Graph([fetch]), x=1)


def test_graph_node_containing_async_node_is_rejected_naming_it():
    @node(output_name="y")
    async def fetch(x: int) -> int:
        return x

    outer = Graph([Graph([fetch], name="inner").as_node()])
    with pytest.raises(IncompatibleRunnerError, match="inner"):
        SyncRunner().run(outer, x=1)


# ---------------------------------------------------------------- basic execution
def test_output_nobody_consumes_is_still_computed_and_returned():
    @node(output_name="side")
    def side_branch(x: int) -> int:
        return x + 100

    result = SyncRunner().run(Graph([double, triple, side_branch]), x=1)
    assert result["side"] == 101 and result["tripled"] == 6


def test_side_effect_node_without_outputs_runs():
    calls = []

    @node
    def log(x: int) -> None:
        calls.append(x)

    result = SyncRunner().run(Graph([log, double]), x=4)
    assert calls == [4]
    assert result.values == {"doubled": 8}


def test_tuple_return_fills_several_outputs():
    @node(output_name=("low", "high"))
    def split(x: int) -> tuple[int, int]:
        return x - 1, x + 1

    assert SyncRunner().run(Graph([split]), x=5).values == {"low": 4, "high": 6}


def test_wrong_length_tuple_raises_value_error():
    @node(output_name=("low", "high"))
    def split(x: int):
        return (x,)

    with pytest.raises(ValueError, match="split"):
        SyncRunner().run(Graph([split]), x=5)


def test_generator_node_output_is_a_list():
    @node(output_name="items")
    def count_up(n: int):
        yield from range(n)

    assert SyncRunner().run(Graph([count_up]), n=3)["items"] == [0, 1, 2]
    assert SyncRunner().run(Graph([count_up]), n=0)["items"] == []


def test_function_returning_a_generator_object_is_not_drained():
    @node(output_name="gen")
    def make(n: int):
        return (i for i in range(n))

    produced = SyncRunner().run(Graph([make]), n=2)["gen"]
    assert not isinstance(produced, list)
    assert list(produced) == [0, 1]


def test_renamed_inputs_are_passed_to_original_parameters():
    renamed = double.with_inputs(x="number").with_outputs(doubled="twice")
    assert SyncRunner().run(Graph([renamed]), number=4).values == {"twice": 8}


def test_swapped_inputs_in_one_call_execute_correctly():
    @node(output_name="diff")
    def minus(a: int, b: int) -> int:
        return a - b

    swapped = minus.with_inputs(a="b", b="a")
    assert SyncRunner().run(Graph([swapped]), a=1, b=10)["diff"] == 9


def test_positional_only_and_variadic_parameters_are_called_correctly():
    @node(output_name="out")
    def mixed(a, /, b, *rest, c=3, **extra):
        return (a, b, rest, c, extra)

    result = SyncRunner().run(Graph([mixed]), {"a": 1, "b": 2, "rest": (7, 8), "extra": {"k": 9}})
    assert result["out"] == (1, 2, (7, 8), 3, {"k": 9})


# ---------------------------------------------------------------- defaults and bindings
def test_bound_object_is_the_same_object_in_every_run():
    shared: list[int] = []

    @node(output_name="n")
    def append(items: list, x: int) -> int:
        items.append(x)
        return len(items)

    graph = Graph([append]).bind(items=shared)
    runner = SyncRunner()
    assert runner.run(graph, x=1)["n"] == 1
    assert runner.run(graph, x=2)["n"] == 2
    assert shared == [1, 2]


def test_mutable_signature_default_is_fresh_in_every_run():
    @node(output_name="n")
    def append(x: int, items: list = []) -> int:  # noqa: B006 - the point of the test
        items.append(x)
        return len(items)

    graph = Graph([append])
    runner = SyncRunner()
    assert runner.run(graph, x=1)["n"] == 1
    assert runner.run(graph, x=2)["n"] == 1
    assert append.func.__defaults__[0] == []


def test_uncopyable_default_raises_graph_config_error_suggesting_bind():
    lock = threading.Lock()

    @node(output_name="ok")
    def guarded(x: int, guard=lock) -> bool:
        return guard is not None

    with pytest.raises(GraphConfigError, match="cannot be safely copied") as info:
        SyncRunner().run(Graph([guarded]), x=1)
    assert "bind" in str(info.value) and "guard" in str(info.value)


def test_binding_an_uncopyable_value_works():
    lock = threading.Lock()

    @node(output_name="same")
    def guarded(x: int, guard=lock) -> bool:
        return guard is lock

    assert SyncRunner().run(Graph([guarded]).bind(guard=lock), x=1)["same"] is True


def test_supplied_beats_bound_beats_default():
    @node(output_name="y")
    def scaled(x: int, factor: int = 2) -> int:
        return x * factor

    graph = Graph([scaled])
    runner = SyncRunner()
    assert runner.run(graph, x=5)["y"] == 10
    assert runner.run(graph.bind(factor=3), x=5)["y"] == 15
    assert runner.run(graph.bind(factor=3), x=5, factor=4)["y"] == 20


def test_produced_value_beats_supplied_value_in_a_loop():
    from hypergraph import END, route

    @node(output_name="count")
    def increment(count: int) -> int:
        return count + 1

    @route(targets=["increment", END])
    def check(count: int):
        return END if count >= 3 else "increment"

    assert SyncRunner().run(Graph([increment, check]), count=0)["count"] == 3


def test_supplying_an_intermediate_value_skips_its_producer():
    calls = []

    @node(output_name="doubled")
    def tracked_double(x: int) -> int:
        calls.append(x)
        return x * 2

    result = SyncRunner().run(
        Graph([tracked_double, triple]), doubled=7, on_internal_override="ignore"
    )
    assert calls == []
    assert result.values == {"doubled": 7, "tripled": 21}


def test_supplied_non_output_inputs_are_not_returned():
    assert SyncRunner().run(Graph([double]), x=3).values == {"doubled": 6}


def test_missing_input_is_reported_before_running():
    with pytest.raises(MissingInputError):
        SyncRunner().run(Graph([double, triple]))
