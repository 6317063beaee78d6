"""InMemoryCache: copies on store and hit, clear() and hit/miss statistics."""

from __future__ import annotations

import pickle
import threading

from hypergraph import CacheBackend, Graph, InMemoryCache, SyncRunner, node
from hypergraph.cache import CacheStats


@node(output_name="items", cache=True)
def make_items(n: int) -> list[int]:
    return list(range(n))


@node(output_name="total")
def consume(items: list[int]) -> int:
    items.append(100)  # a careless node mutating its input
    return sum(items)


def test_a_node_mutating_a_cached_list_does_not_change_later_hits():
    runner = SyncRunner(cache=InMemoryCache())
    graph = Graph([make_items, consume])
    assert runner.run(graph, n=3)["total"] == 103
    assert runner.run(graph, n=3)["total"] == 103  # not 203: the hit is a fresh copy
    assert runner.run(Graph([make_items]), n=3)["items"] == [0, 1, 2]


def test_each_hit_is_a_separate_copy_and_copy_false_shares_one_object():
    cache = InMemoryCache()
    stored = {"a": [1]}
    cache.set("k", stored)
    stored["a"].append(2)
    first, second = cache.get("k")[1], cache.get("k")[1]
    assert first == second == {"a": [1]} and first is not second
    shared = InMemoryCache(copy=False)
    shared.set("k", stored)
    assert shared.get("k")[1] is stored


def test_values_that_cannot_be_copied_are_stored_as_they_are():
    cache = InMemoryCache()
    lock = threading.Lock()
    cache.set("k", lock)
    assert cache.get("k") == (True, lock)


def test_stats_count_hits_and_misses_and_clear_resets_everything():
    cache = InMemoryCache()
    assert cache.stats == CacheStats(hits=0, misses=0) and cache.stats.hit_rate == 0.0
    cache.get("absent")
    cache.set("k", 1)
    cache.get("k")
    cache.get("k")
    assert cache.stats == CacheStats(hits=2, misses=1)
    assert cache.stats.lookups == 3 and abs(cache.stats.hit_rate - 2 / 3) < 1e-9
    cache.clear()
    assert len(cache) == 0 and cache.get("k") == (False, None)
    assert cache.stats == CacheStats(hits=0, misses=1)


def test_a_runner_run_shows_in_the_stats():
    cache = InMemoryCache()
    runner = SyncRunner(cache=cache)
    for _ in range(3):
        runner.run(Graph([make_items]), n=2)
    assert (cache.stats.hits, cache.stats.misses) == (2, 1)


def test_copy_option_survives_pickling_and_the_backend_protocol_holds():
    cache = pickle.loads(pickle.dumps(InMemoryCache(max_size=3, copy=False)))
    assert cache.copy is False and cache.max_size == 3
    assert isinstance(cache, CacheBackend)
