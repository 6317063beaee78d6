"""Caching on every runner: a cached node is not run again for the same inputs.

An ``InMemoryCache`` lives in one process's memory: SyncRunner and AsyncRunner share it across
runs, DaskRunner ships a copy with each task (see DaskRunner's docstring), so across Dask runs
the suite uses a ``DiskCache`` every worker reaches, and asserts the per-task copy explicitly.
"""

from __future__ import annotations

from hypergraph import CacheHitEvent, DiskCache, Graph, InMemoryCache, NodeEndEvent


def _shared_cache(runner, tmp_path):
    return DiskCache(str(tmp_path / "cache")) if runner.name == "dask" else InMemoryCache()


def test_cached_node_is_not_run_again_for_the_same_inputs(runner, cached_graph, calls, tmp_path):
    cached = runner.with_cache(_shared_cache(runner, tmp_path))
    assert cached.run(cached_graph, x=4)["big"] == 40
    assert cached.run(cached_graph, x=4)["big"] == 40
    assert calls["expensive"] == 1
    assert cached.run(cached_graph, x=5)["big"] == 50
    assert calls["expensive"] == 2


def test_cache_hit_is_reported_by_events(runner, cached_graph, recorder, tmp_path):
    cached = runner.with_cache(_shared_cache(runner, tmp_path))
    cached.run(cached_graph, x=4)
    cached.run(cached_graph, x=4, event_processors=[recorder])
    hits = [e for e in recorder.events if isinstance(e, CacheHitEvent)]
    ends = [e for e in recorder.events if isinstance(e, NodeEndEvent)]
    assert [e.node_name for e in hits] == ["expensive"]
    assert [(e.node_name, e.cached) for e in ends] == [("expensive", True)]


def test_map_items_with_the_same_inputs_hit_the_cache(runner, cached_graph, calls, tmp_path):
    cached = runner.with_cache(_shared_cache(runner, tmp_path))
    cached.run(cached_graph, x=1)
    results = cached.map(cached_graph, x=[1, 1, 1], map_over="x")
    assert [r["big"] for r in results] == [10, 10, 10]
    assert calls["expensive"] == 1


def test_nodes_without_cache_opt_in_always_run(runner, diamond, calls):
    cached = runner.with_cache(InMemoryCache())
    cached.run(diamond, x=1)
    cached.run(diamond, x=1)
    assert calls["double"] == 2


def test_in_memory_cache_is_shared_across_runs_only_by_local_runners(runner, cached_graph, calls):
    cached = runner.with_cache(InMemoryCache())
    cached.run(cached_graph, x=3)
    cached.run(cached_graph, x=3)
    # DaskRunner ships a copy of the backend with each task: a later run starts empty.
    assert calls["expensive"] == (2 if runner.name == "dask" else 1)


def test_cached_node_inside_a_nested_graph_is_not_run_again(runner, cached_graph, calls, tmp_path):
    cached = runner.with_cache(_shared_cache(runner, tmp_path))
    outer = Graph([cached_graph.as_node(name="inner")])
    assert cached.run(outer, x=2)["big"] == 20
    assert cached.run(outer, x=2)["big"] == 20
    assert calls["expensive"] == 1
