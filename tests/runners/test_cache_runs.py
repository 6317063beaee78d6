"""Node caching through ``SyncRunner`` (docs/guides/caching.md)."""

from __future__ import annotations

import asyncio
import logging
import warnings

import pytest

from hypergraph import END, AsyncRunner, Graph, InMemoryCache, SyncRunner, ifelse, node, route


def counting_node(calls: list, **node_options):
    @node(output_name="y", cache=True, **node_options)
    def expensive(x: int, scale: int = 2) -> int:
        calls.append(x)
        return x * scale

    return expensive


def test_changed_input_default_override_or_binding_misses():
    calls: list[int] = []
    graph = Graph([counting_node(calls)])
    runner = SyncRunner(cache=InMemoryCache())
    runner.run(graph, x=3)
    assert runner.run(graph, x=4)["y"] == 8
    assert runner.run(graph, x=3, scale=10)["y"] == 30
    assert runner.run(graph.bind(scale=5), x=3)["y"] == 15
    assert runner.run(graph.bind(scale=5), x=3)["y"] == 15  # now a hit
    assert calls == [3, 4, 3, 3]


def test_no_backend_or_no_opt_in_means_no_caching():
    calls: list[int] = []
    cached_graph = Graph([counting_node(calls)])
    with pytest.warns(UserWarning, match="has no cache backend"):
        SyncRunner().run(cached_graph, x=1)
        SyncRunner().run(cached_graph, x=1)

    @node(output_name="y")
    def plain(x: int) -> int:
        calls.append(-x)
        return x

    runner = SyncRunner(cache=InMemoryCache())
    runner.run(Graph([plain]), x=1)
    runner.run(Graph([plain]), x=1)
    assert calls == [1, 1, -1, -1]


def test_hits_are_shared_across_graphs_and_runner_instances_on_one_backend():
    calls: list[int] = []
    cache = InMemoryCache()
    expensive = counting_node(calls)

    @node(output_name="z")
    def after(y: int) -> int:
        return y + 1

    SyncRunner(cache=cache).run(Graph([expensive]), x=2)
    assert SyncRunner(cache=cache).run(Graph([expensive, after]), x=2)["z"] == 5
    assert calls == [2]


def test_different_function_bodies_never_share_entries():
    cache = InMemoryCache()

    @node(output_name="y", cache=True)
    def transform(x: int) -> int:
        return x + 1

    first = transform

    @node(output_name="y", cache=True)
    def transform(x: int) -> int:  # noqa: F811 - same name, different body on purpose
        return x - 1

    runner = SyncRunner(cache=cache)
    assert runner.run(Graph([first]), x=10)["y"] == 11
    assert runner.run(Graph([transform]), x=10)["y"] == 9


def test_failures_are_not_cached():
    attempts: list[int] = []

    @node(output_name="y", cache=True)
    def flaky(x: int) -> int:
        attempts.append(x)
        if len(attempts) == 1:
            raise ConnectionError("transient")
        return x

    runner = SyncRunner(cache=InMemoryCache())
    with pytest.raises(ConnectionError):
        runner.run(Graph([flaky]), x=1)
    assert runner.run(Graph([flaky]), x=1)["y"] == 1
    assert runner.run(Graph([flaky]), x=1)["y"] == 1
    assert attempts == [1, 1]


def test_cached_none_result_is_a_hit():
    calls: list[int] = []

    @node(output_name="y", cache=True)
    def nothing(x: int) -> None:
        calls.append(x)

    runner = SyncRunner(cache=InMemoryCache())
    assert runner.run(Graph([nothing]), x=1)["y"] is None
    assert runner.run(Graph([nothing]), x=1)["y"] is None
    assert calls == [1]


def test_unpicklable_input_runs_uncached_and_warns_once_naming_node_and_input(caplog):
    calls: list[int] = []

    @node(output_name="y", cache=True)
    def apply_fn(fn, x: int) -> int:
        calls.append(x)
        return fn(x)

    runner = SyncRunner(cache=InMemoryCache())
    graph = Graph([apply_fn])
    with caplog.at_level(logging.WARNING, logger="hypergraph.cache"):
        for _ in range(3):
            assert runner.run(graph, fn=lambda v: v * 10, x=2)["y"] == 20
    assert calls == [2, 2, 2]  # recomputed every time: never a wrong hit
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    assert "'apply_fn'" in messages[0] and "'fn'" in messages[0]


def test_cached_route_restores_its_decision_on_every_hit_without_leaking_it():
    decisions: list[int] = []

    @node(output_name="big")
    def mark_big(x: int) -> str:
        return "big"

    @node(output_name="small")
    def mark_small(x: int) -> str:
        return "small"

    @route(targets=["mark_big", "mark_small"], cache=True)
    def size(x: int):
        decisions.append(x)
        return "mark_big" if x > 10 else "mark_small"

    runner = SyncRunner(cache=InMemoryCache())
    graph = Graph([size, mark_big, mark_small])
    for _ in range(3):
        big = runner.run(graph, x=50)
        small = runner.run(graph, x=1)
        assert dict(big.values) == {"big": "big"}
        assert dict(small.values) == {"small": "small"}
    assert decisions == [50, 1]


def test_cached_ifelse_to_end_restores_the_end_decision():
    checks: list[int] = []

    @ifelse(when_true="finish", when_false=END, cache=True)
    def worth_it(x: int) -> bool:
        checks.append(x)
        return x > 0

    @node(output_name="done")
    def finish(x: int) -> bool:
        return True

    runner = SyncRunner(cache=InMemoryCache())
    graph = Graph([worth_it, finish])
    assert runner.run(graph, x=-1).values == {}
    assert runner.run(graph, x=-1).values == {}
    assert runner.run(graph, x=1)["done"] is True
    assert runner.run(graph, x=1)["done"] is True
    assert checks == [-1, 1]


def test_cached_generator_replays_its_collected_list():
    calls: list[int] = []

    @node(output_name="items", cache=True)
    def produce(n: int):
        calls.append(n)
        yield from range(n)

    runner = SyncRunner(cache=InMemoryCache())
    assert runner.run(Graph([produce]), n=3)["items"] == [0, 1, 2]
    assert runner.run(Graph([produce]), n=3)["items"] == [0, 1, 2]
    assert calls == [3]


def test_multi_output_and_renamed_outputs_are_rebuilt_from_the_cached_result():
    calls: list[int] = []

    @node(output_name=("low", "high"), cache=True)
    def bounds(x: int) -> tuple[int, int]:
        calls.append(x)
        return x - 1, x + 1

    runner = SyncRunner(cache=InMemoryCache())
    assert dict(runner.run(Graph([bounds]), x=5).values) == {"low": 4, "high": 6}
    renamed = bounds.with_outputs(low="floor", high="ceiling")
    assert dict(runner.run(Graph([renamed]), x=5).values) == {"floor": 4, "ceiling": 6}
    assert calls == [5]


def test_renamed_input_keys_by_current_name():
    calls: list[int] = []
    runner = SyncRunner(cache=InMemoryCache())
    expensive = counting_node(calls)
    assert runner.run(Graph([expensive]), x=2)["y"] == 4
    assert runner.run(Graph([expensive.with_inputs(x="value")]), value=2)["y"] == 4
    assert calls == [2, 2]


def test_hits_skip_the_function_inside_loops():
    calls: list[int] = []

    @node(output_name="step", cache=True)
    def step_size(limit: int) -> int:
        calls.append(limit)
        return 1

    @node(output_name="total")
    def accumulate(total: int, step: int) -> int:
        return total + step

    @route(targets=["accumulate", END])
    def loop(total: int, limit: int):
        return END if total >= limit else "accumulate"

    runner = SyncRunner(cache=InMemoryCache())
    graph = Graph([step_size, accumulate, loop])
    assert runner.run(graph, total=0, limit=3)["total"] == 3
    assert runner.run(graph, total=0, limit=3)["total"] == 3
    assert calls == [3]


def test_map_over_items_hit_the_cache():
    calls: list[int] = []
    inner = Graph([counting_node(calls)], name="inner")
    runner = SyncRunner(cache=InMemoryCache())
    graph = Graph([inner.as_node().map_over("x")])
    assert runner.run(graph, x=[1, 2, 1])["y"] == [2, 4, 2]
    assert runner.run(graph, x=[2, 3])["y"] == [4, 6]
    assert calls == [1, 2, 3]


def test_a_raising_backend_degrades_to_uncached_runs(caplog):
    class BrokenCache:
        def get(self, key):
            raise OSError("disk gone")

        def set(self, key, value):
            raise OSError("disk gone")

    calls: list[int] = []
    runner = SyncRunner(cache=BrokenCache())
    with caplog.at_level(logging.WARNING, logger="hypergraph.cache"):
        assert runner.run(Graph([counting_node(calls)]), x=1)["y"] == 2
    assert calls == [1]
    assert any("'expensive'" in r.getMessage() for r in caplog.records)


def test_key_covers_resolved_inputs_with_defaults_and_bindings_under_current_names():
    from hypergraph._code_fingerprint import code_fingerprint
    from hypergraph.cache import compute_cache_key
    from hypergraph.events import CacheHitEvent, EventProcessor

    class Hits(EventProcessor):
        def __init__(self) -> None:
            self.keys: list[str] = []

        def on_event(self, event) -> None:
            if isinstance(event, CacheHitEvent):
                self.keys.append(event.cache_key)

    expensive = counting_node([]).with_inputs(x="amount")
    runner = SyncRunner(cache=InMemoryCache())
    hits = Hits()
    for _ in range(2):
        runner.run(Graph([expensive]), amount=3, event_processors=[hits])
        runner.run(Graph([expensive]).bind(scale=7), amount=3, event_processors=[hits])
    # The key's code part is the function's code fingerprint (its code and the helpers it calls).
    digest = code_fingerprint(expensive.func)
    assert hits.keys == [
        compute_cache_key(digest, {"amount": 3, "scale": 2}),
        compute_cache_key(digest, {"amount": 3, "scale": 7}),
    ]


def test_renamed_cached_gates_keep_caching_and_restore_their_decisions():
    calls: list[str] = []

    @route(targets=["finish", END], cache=True)
    def pick(x: int):
        calls.append("route")
        return "finish"

    @ifelse(when_true="finish", when_false=END, cache=True)
    def check(x: int) -> bool:
        calls.append("ifelse")
        return True

    @node(output_name="done")
    def finish(value: int) -> int:
        return value

    runner = SyncRunner(cache=InMemoryCache())
    for gate in (pick, check):
        renamed = gate.with_name("gate").with_inputs(x="value")
        graph = Graph([renamed, finish])
        first, second = runner.run(graph, value=1), runner.run(graph, value=1)
        assert first.values == second.values == {"done": 1}
    assert calls == ["route", "ifelse"]


def test_cache_true_without_a_backend_warns_once_per_runner_and_graph_naming_the_node():
    @node(output_name="vector", cache=True)
    def embed(text: str) -> int:
        return len(text)

    graph = Graph([embed], name="embedder")
    outer = Graph([graph.as_node(name="inner")], name="outer")
    runner = SyncRunner()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            runner.run(graph, text="a b")
        runner.map(graph, text=["a", "b", "c"], map_over="text")
        runner.run(outer, text="a")
        SyncRunner().run(graph, text="a")  # another runner: warned again
        SyncRunner(cache=InMemoryCache()).run(graph, text="a")  # has a cache: no warning
    messages = [str(w.message) for w in caught if "cache=True" in str(w.message)]
    assert len(messages) == 3
    assert "Node 'embed' of graph 'embedder'" in messages[0]
    assert "SyncRunner(cache=InMemoryCache())" in messages[0]
    assert "Node 'inner/embed'" in messages[1]
    assert all(w.filename == __file__ for w in caught if "cache=True" in str(w.message))

    async def run_async() -> None:
        await AsyncRunner().run(graph, text="a")
        await AsyncRunner().run(graph, text="a")

    with pytest.warns(UserWarning, match="this AsyncRunner has no cache backend"):
        asyncio.run(run_async())
