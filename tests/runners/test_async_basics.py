"""AsyncRunner: API surface, node kinds, nesting, failures (docs/guides/async.md,
docs/guides/running.md, docs/guides/graphs.md)."""

from __future__ import annotations

import inspect

import pytest

from hypergraph import (
    END,
    AsyncRunner,
    FunctionNode,
    Graph,
    GraphNode,
    IfElseNode,
    IncompatibleRunnerError,
    InterruptNode,
    RouteNode,
    RunStatus,
    SyncRunner,
    node,
    route,
)


@node(output_name="doubled")
async def double(x: int) -> int:
    return x * 2


@node(output_name="total")
def add_one(doubled: int) -> int:
    return doubled + 1


def test_capabilities_and_node_types():
    runner = AsyncRunner()
    caps = runner.capabilities
    assert (caps.supports_cycles, caps.supports_async_nodes, caps.supports_streaming) == (
        True,
        True,
        False,
    )
    assert caps.returns_coroutine and caps.supports_interrupts
    assert runner.default_max_iterations == 1000
    assert runner.supported_node_types == {
        FunctionNode,
        GraphNode,
        IfElseNode,
        RouteNode,
        InterruptNode,
    }


def test_aliases_have_identical_signatures_and_max_concurrency_position():
    runner = AsyncRunner()
    run_sig = inspect.signature(runner.run)
    map_sig = inspect.signature(runner.map)
    assert inspect.signature(runner.arun) == run_sig
    assert inspect.signature(runner.amap) == map_sig
    run_names = list(run_sig.parameters)
    assert run_names.index("max_concurrency") == run_names.index("max_iterations") + 1
    map_names = list(map_sig.parameters)
    assert map_names.index("max_concurrency") == map_names.index("entrypoint") + 1
    assert inspect.iscoroutinefunction(runner.run) and inspect.iscoroutinefunction(runner.map)


async def test_arun_is_run():
    assert (await AsyncRunner().arun(Graph([double]), x=2))["doubled"] == 4


async def test_generators_of_both_kinds_become_lists():
    @node(output_name="evens")
    def evens(n: int):
        yield from range(0, n, 2)

    @node(output_name="odds")
    async def odds(n: int):
        for i in range(1, n, 2):
            yield i

    @node(output_name="nothing")
    async def nothing(n: int):
        if n < 0:
            yield n

    result = await AsyncRunner().run(Graph([evens, odds, nothing]), n=5)
    assert result.values == {"evens": [0, 2, 4], "odds": [1, 3], "nothing": []}


async def test_async_interrupt_free_loop_with_route():
    @node(output_name="count")
    async def step(count: int) -> int:
        return count + 1

    @route(targets=["step", END])
    def again(count: int):
        return END if count >= 3 else "step"

    result = await AsyncRunner().run(Graph([step, again]), count=0)
    assert result["count"] == 3


async def test_nested_graph_with_async_node():
    inner = Graph([double], name="inner")
    outer = Graph([inner.as_node(), add_one])
    assert (await AsyncRunner().run(outer, x=4))["total"] == 9


async def test_map_over_graph_node_fans_out_and_keeps_order():
    inner = Graph([double], name="inner")
    outer = Graph([inner.as_node().map_over("x")])
    assert (await AsyncRunner().run(outer, x=[1, 2, 3]))["doubled"] == [2, 4, 6]


async def test_map_over_continue_puts_none_at_failed_positions():
    @node(output_name="inv")
    async def invert(x: int) -> float:
        return 1 / x

    inner = Graph([invert], name="inner")
    outer = Graph([inner.as_node().map_over("x", error_handling="continue")])
    assert (await AsyncRunner().run(outer, x=[1, 0, 2]))["inv"] == [1.0, None, 0.5]


async def test_map_over_raise_propagates_the_original_error():
    @node(output_name="inv")
    async def invert(x: int) -> float:
        return 1 / x

    outer = Graph([Graph([invert], name="inner").as_node().map_over("x")])
    with pytest.raises(ZeroDivisionError):
        await AsyncRunner().run(outer, x=[1, 0, 2])


def test_sync_runner_rejects_async_node_and_graph_node_containing_one():
    with pytest.raises(IncompatibleRunnerError, match="double") as info:
        SyncRunner().run(Graph([double]), x=1)
    assert info.value.capability == "supports_async_nodes"
    outer = Graph([Graph([double], name="inner").as_node()])
    with pytest.raises(IncompatibleRunnerError, match="inner"):
        SyncRunner().run(outer, x=1)


@pytest.mark.parametrize("bad", [0, -3])
async def test_non_positive_max_concurrency_is_a_value_error(bad):
    with pytest.raises(ValueError, match="max_concurrency"):
        await AsyncRunner().run(Graph([double]), x=1, max_concurrency=bad)


@pytest.mark.parametrize("bad", [True, 2.5, "4"])
async def test_non_int_max_concurrency_is_a_type_error(bad):
    with pytest.raises(TypeError, match="max_concurrency"):
        await AsyncRunner().run(Graph([double]), x=1, max_concurrency=bad)


async def test_reserved_option_names_cannot_be_keyword_inputs():
    with pytest.raises(ValueError, match="reserved runner options"):
        await AsyncRunner().run(Graph([double]), x=1, _parent_span_id="abc")

    @node(output_name="y")
    def uses(max_iterations: int) -> int:
        return max_iterations

    # an input named like an option goes through values
    assert (await AsyncRunner().run(Graph([uses]), {"max_iterations": 7}))["y"] == 7


async def test_failing_node_raises_its_own_exception_after_siblings_finish():
    finished: list[str] = []

    @node(output_name="slow")
    async def slow(x: int) -> int:
        import asyncio

        await asyncio.sleep(0.01)
        finished.append("slow")
        return x

    @node(output_name="bad")
    async def bad(x: int) -> int:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        await AsyncRunner().run(Graph([bad, slow]), x=1)
    assert finished == ["slow"]  # the sibling was awaited, not abandoned


async def test_continue_records_same_superstep_siblings():
    @node(output_name="ok")
    async def ok(x: int) -> int:
        return x + 1

    @node(output_name="bad")
    def bad(x: int) -> int:
        raise ValueError("nope")

    @node(output_name="after")
    def after(ok: int) -> int:
        return ok

    result = await AsyncRunner().run(Graph([bad, ok, after]), x=1, error_handling="continue")
    assert result.status == RunStatus.FAILED
    assert isinstance(result.error, ValueError) and str(result.error) == "nope"
    assert result.values == {"ok": 2}


async def test_nested_exception_surfaces_unchanged():
    @node(output_name="y")
    async def explode(x: int) -> int:
        raise RuntimeError(f"bad {x}")

    outer = Graph([Graph([explode], name="inner").as_node()])
    with pytest.raises(RuntimeError, match="bad 3"):
        await AsyncRunner().run(outer, x=3)


async def test_select_default_uses_graph_selection_and_star_star_overrides():
    graph = Graph([double, add_one]).select("total")
    assert (await AsyncRunner().run(graph, x=1)).values == {"total": 3}
    assert (await AsyncRunner().run(graph, x=1, select="**")).values == {
        "doubled": 2,
        "total": 3,
    }


async def test_keyboard_interrupt_is_not_caught():
    @node(output_name="y")
    def stop(x: int) -> int:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await AsyncRunner().run(Graph([stop]), x=1, error_handling="continue")


async def test_graph_nested_600_levels_deep_runs_maps_and_reports_its_innermost_failure():
    @node(output_name="y")
    async def check(x: int) -> int:
        if x < 0:
            raise ValueError("negative")
        return x + 1

    deep = Graph([check], name="core")
    for level in range(600):
        deep = Graph([deep.as_node(name=f"n{level}")], name=f"g{level}")
    runner = AsyncRunner()
    assert (await runner.run(deep, x=1))["y"] == 2
    assert [r["y"] for r in await runner.map(deep, x=[1, 2], map_over="x")] == [2, 3]
    with pytest.raises(ValueError, match="negative") as caught:
        await runner.run(deep, x=-1)
    assert caught.value.__notes__ == ["hypergraph: raised by node 'check' of graph 'core'"]
    failed = await runner.run(deep, x=-1, error_handling="continue")
    assert failed.status == RunStatus.FAILED
    assert failed.failed_node == "/".join([*(f"n{i}" for i in reversed(range(600))), "check"])
