"""DaskRunner around the cluster: lifecycle, lost workers, pickling checks, cache and events."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hypergraph import (
    CacheHitEvent,
    DaskRunner,
    DiskCache,
    EventProcessor,
    Graph,
    GraphConfigError,
    NodeEndEvent,
    NodeStartEvent,
    RunEndEvent,
    RunStartEvent,
    SyncRunner,
    node,
)

distributed = pytest.importorskip("distributed")


# ------------------------------------------------------------------ graphs (imported by workers)
@node(output_name="doubled")
def double(x: int) -> int:
    return x * 2


DOUBLE = Graph([double], name="double")


@node(output_name="result")
def die_once(x: int, marker_dir: str, doomed: int) -> int:
    """Kills its own worker process the first time it sees item ``doomed``."""
    marker = Path(marker_dir) / f"seen-{x}"
    if x == doomed and not marker.exists():
        marker.touch()
        os._exit(1)
    return x + 1000


KILLER = Graph([die_once], name="killer")


@node(output_name="cube", cache=True)
def slow_cube(x: int, log_path: str) -> int:
    with open(log_path, "a") as log:  # one line per real execution
        log.write(f"{x}\n")
    return x**3


CUBES = Graph([slow_cube], name="cubes")


class Collect(EventProcessor):
    def __init__(self) -> None:
        self.events: list = []
        self.shutdowns = 0

    def on_event(self, event) -> None:
        self.events.append(event)

    def shutdown(self) -> None:
        self.shutdowns += 1


# ------------------------------------------------------------------ lifecycle
def test_embedded_cluster_starts_lazily_and_shuts_down_on_close():
    runner = DaskRunner(n_workers=1, processes=False)
    assert "not started" in repr(runner)
    results = runner.map(DOUBLE, {"x": [1, 2, 3]}, map_over="x")
    assert [r["doubled"] for r in results] == [2, 4, 6]
    client = runner.client
    cluster = client.cluster
    runner.close()
    assert client.status == "closed"
    assert cluster.status.name == "closed"
    runner.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        runner.map(DOUBLE, {"x": [1]}, map_over="x")


def test_context_manager_exit_shuts_the_embedded_cluster_down():
    with DaskRunner(n_workers=1, processes=False) as runner:
        assert runner.run(DOUBLE, x=21)["doubled"] == 42
        client = runner.client
    assert client.status == "closed"


def test_garbage_collected_runner_shuts_its_cluster_down():
    runner = DaskRunner(n_workers=1, processes=False)
    client = runner.client
    del runner
    gc.collect()
    assert client.status == "closed"


def test_given_client_is_never_closed(dask_client):
    with DaskRunner(client=dask_client) as runner:
        assert runner.run(DOUBLE, x=1)["doubled"] == 2
    assert dask_client.status == "running"
    assert dask_client.submit(sum, [1, 2]).result() == 3


def test_address_connects_to_a_running_cluster_and_leaves_it_running(dask_client):
    address = dask_client.scheduler.address
    runner = DaskRunner(address=address)
    assert [r["doubled"] for r in runner.map(DOUBLE, {"x": [5, 6]}, map_over="x")] == [10, 12]
    own_client = runner.client
    runner.close()
    assert own_client.status == "closed"  # the runner's own connection
    assert dask_client.submit(sum, [3, 4]).result() == 7  # the cluster is still up


def test_client_and_address_together_are_rejected(dask_client):
    with pytest.raises(ValueError, match="both client= and address="):
        DaskRunner(client=dask_client, address="tcp://127.0.0.1:1")


@pytest.mark.parametrize("name", ["chunk_size", "max_chunks_in_flight", "n_workers"])
def test_sizes_must_be_positive(name):
    with pytest.raises(ValueError, match=name):
        DaskRunner(**{name: 0})


def test_missing_distributed_raises_import_error_naming_the_extra(monkeypatch):
    # As on a machine without the extra: Dask and its cloudpickle cannot be imported.
    for name in ("distributed", "dask", "cloudpickle"):
        monkeypatch.setitem(sys.modules, name, None)
    for name in [m for m in sys.modules if m.startswith("hypergraph.runners.dask")]:
        monkeypatch.delitem(sys.modules, name)
    from hypergraph.runners.dask import DaskRunner as Fresh  # the module itself imports

    with pytest.raises(ImportError, match=r"pip install 'hypergraph\[dask\]'"):
        Fresh()


def test_importing_hypergraph_does_not_import_dask():
    code = (
        "import sys, hypergraph\n"
        "hypergraph.SyncRunner, hypergraph.Graph, hypergraph.DaskRunner\n"
        "assert 'dask' not in sys.modules and 'distributed' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ lost workers
def test_map_survives_a_worker_that_dies_mid_chunk(dask_client, tmp_path):
    runner = DaskRunner(client=dask_client, chunk_size=2)
    xs = list(range(20))
    values = {"x": xs, "marker_dir": str(tmp_path), "doomed": 7}
    results = runner.map(KILLER, values, map_over="x")
    assert (tmp_path / "seen-7").exists()  # the worker really died on item 7
    assert [r["result"] for r in results] == [x + 1000 for x in xs]
    assert len({r.run_id for r in results}) == len(xs)


# ------------------------------------------------------------------ pickling checks
def test_unpicklable_node_raises_graph_config_error_naming_it_before_anything_runs(
    dask_client, tmp_path
):
    lock = threading.Lock()
    ran = tmp_path / "ran"

    @node(output_name="guarded")
    def guarded(x: int) -> int:
        ran.touch()
        with lock:
            return x

    inner = Graph([guarded], name="inner")
    outer = Graph([double, inner.as_node(name="wrapped").with_inputs(x="doubled")], name="outer")
    runner = DaskRunner(client=dask_client)
    with pytest.raises(GraphConfigError, match="node 'wrapped/guarded'") as info:
        runner.map(outer, {"x": [1, 2]}, map_over="x")
    assert "module level" in str(info.value) or "importable module" in str(info.value)
    with pytest.raises(GraphConfigError, match="node 'guarded'"):
        runner.run(inner, x=1)
    assert not ran.exists()


def test_a_200_level_nested_graph_hashes_and_gets_a_clean_error_instead_of_being_shipped(
    dask_client,
):
    # Whether pickling recurses too deeply depends on the interpreter's recursion limit:
    # Python's default here, whatever an earlier test (mypy run in-process) set.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        deep = DOUBLE
        for level in range(200):
            deep = Graph([deep.as_node(name=f"level{level}")], name=f"g{level}")
        assert len(deep.definition_hash) == 64
        with pytest.raises(GraphConfigError, match="DaskRunner cannot send"):
            DaskRunner(client=dask_client).run(deep, x=1)
    finally:
        sys.setrecursionlimit(limit)


def test_unpicklable_broadcast_value_raises_graph_config_error_naming_the_input(dask_client):
    runner = DaskRunner(client=dask_client)

    @node(output_name="y")
    def use(x: int, lock) -> int:
        return x

    with pytest.raises(GraphConfigError, match="input 'lock'"):
        runner.map(Graph([use]), {"x": [1, 2], "lock": threading.Lock()}, map_over="x")


def test_unpicklable_mapped_value_raises_graph_config_error_naming_the_item(dask_client):
    runner = DaskRunner(client=dask_client)
    with pytest.raises(GraphConfigError, match="item 1 of mapped input 'x'"):
        runner.map(DOUBLE, {"x": [1, threading.Lock()]}, map_over="x")


class CodedError(Exception):
    """Pickles, but cannot be rebuilt from its args (a common mistake in exception classes)."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(f"E{code}: {detail}")


@node(output_name="outcome")
def awkward(x: int):
    if x == 1:
        raise CodedError(7, "odd input")
    if x == 2:
        return threading.Lock()
    return x


AWKWARD = Graph([awkward], name="awkward")


def test_unshippable_errors_and_outputs_fail_their_item_only(dask_client):
    runner = DaskRunner(client=dask_client, chunk_size=3)
    results = runner.map(AWKWARD, {"x": [0, 1, 2, 3]}, map_over="x", error_handling="continue")
    assert [r.status for r in results] == ["completed", "failed", "failed", "completed"]
    assert [results[0]["outcome"], results[3]["outcome"]] == [0, 3]
    assert isinstance(results[1].error, RuntimeError)
    assert "CodedError: E7: odd input" in str(results[1].error)
    assert isinstance(results[2].error, TypeError)
    assert "cannot be pickled" in str(results[2].error)


def test_run_raises_for_an_output_that_cannot_be_sent_back_naming_node_and_output(dask_client):
    runner = DaskRunner(client=dask_client)
    with pytest.raises(TypeError, match="Output 'outcome' of node 'awkward' of the run"):
        runner.run(AWKWARD, x=2)
    failed = runner.run(AWKWARD, x=2, error_handling="continue")
    assert failed.status == "failed" and isinstance(failed.error, TypeError)


def test_unpicklable_output_error_names_the_items_index_in_the_whole_map(dask_client):
    runner = DaskRunner(client=dask_client, chunk_size=2)
    xs = [0, 3, 0, 3, 2, 3]  # item 4 returns a lock; it is the first item of the third chunk
    with pytest.raises(TypeError, match="Output 'outcome' of node 'awkward' of map item 4 "):
        runner.map(AWKWARD, {"x": xs}, map_over="x")
    results = runner.map(AWKWARD, {"x": xs}, map_over="x", error_handling="continue")
    assert [r.status for r in results] == ["completed"] * 4 + ["failed", "completed"]
    assert "of map item 4 " in str(results[4].error)


@node(output_name="root")
def square_root(x: int) -> float:
    if x < 0:
        raise ValueError(f"negative input {x}")
    return x**0.5


ROOTS = Graph([square_root], name="roots")


def test_failure_note_gives_the_items_index_in_the_whole_map_not_in_its_chunk(dask_client):
    runner = DaskRunner(client=dask_client, chunk_size=2)
    xs = [0, 1, 4, 9, 16, -25]  # item 5 fails; it is the second item of the third chunk
    note = "hypergraph: map() failed at item index 5 of 6: x=-25"
    with pytest.raises(ValueError, match="negative input -25") as info:
        runner.map(ROOTS, {"x": xs}, map_over="x")
    assert note in info.value.__notes__
    results = runner.map(ROOTS, {"x": xs}, map_over="x", error_handling="continue")
    assert [r.status for r in results] == ["completed"] * 5 + ["failed"]
    assert note in results[5].error.__notes__


# ------------------------------------------------------------------ cache
def test_disk_cache_is_used_in_the_workers_and_a_second_map_hits(dask_client, tmp_path):
    log = tmp_path / "calls.log"
    runner = DaskRunner(client=dask_client, cache=DiskCache(str(tmp_path / "cache")), chunk_size=2)
    values = {"x": list(range(6)), "log_path": str(log)}
    first = runner.map(CUBES, values, map_over="x")
    calls_after_first = log.read_text().splitlines()
    collect = Collect()
    second = runner.map(CUBES, values, map_over="x", event_processors=[collect])
    assert [r["cube"] for r in first] == [r["cube"] for r in second] == [x**3 for x in range(6)]
    assert sorted(calls_after_first) == [str(x) for x in range(6)]
    assert log.read_text().splitlines() == calls_after_first  # the body never ran again
    hits = [e for e in collect.events if isinstance(e, CacheHitEvent)]
    assert len(hits) == 6
    ends = [e for e in collect.events if isinstance(e, NodeEndEvent)]
    assert all(e.cached for e in ends)


# ------------------------------------------------------------------ events
def _shape(events):
    """Event types and node names, in order (ids and timings differ between runs)."""
    return [(type(e).__name__, getattr(e, "node_name", None)) for e in events]


def test_item_events_are_forwarded_in_item_order_under_the_map_span(dask_client):
    runner = DaskRunner(client=dask_client, chunk_size=2)
    graph = Graph(
        [double, node(lambda doubled: doubled + 1, output_name="plus").with_name("plus")], name="g"
    )
    collect = Collect()
    results = runner.map(graph, {"x": list(range(7))}, map_over="x", event_processors=[collect])
    local = Collect()
    SyncRunner().map(graph, {"x": list(range(7))}, map_over="x", event_processors=[local])
    events = collect.events
    assert _shape(events) == _shape(local.events)
    assert collect.shutdowns == 1

    start, end = events[0], events[-1]
    assert isinstance(start, RunStartEvent) and start.is_map and start.map_size == 7
    assert start.parent_span_id is None
    assert isinstance(end, RunEndEvent) and end.span_id == start.span_id
    item_starts = [e for e in events if isinstance(e, RunStartEvent) and not e.is_map]
    assert [e.parent_span_id for e in item_starts] == [start.span_id] * 7
    assert [e.run_id for e in item_starts] == [r.run_id for r in results]
    runs = {e.span_id: e.run_id for e in item_starts}
    for event in events:
        if isinstance(event, NodeStartEvent):
            assert runs[event.parent_span_id] == event.run_id


def test_failing_map_ends_its_span_as_failed(dask_client):
    runner = DaskRunner(client=dask_client, chunk_size=1)
    collect = Collect()
    with pytest.raises(TypeError):
        runner.map(DOUBLE, {"x": [1, None, 3]}, map_over="x", event_processors=[collect])
    end = collect.events[-1]
    assert isinstance(end, RunEndEvent) and end.status == "failed"
    assert collect.events[0].span_id == end.span_id
    assert collect.shutdowns == 1


def test_run_events_are_forwarded(dask_client):
    collect = Collect()
    local = Collect()
    DaskRunner(client=dask_client).run(DOUBLE, x=2, event_processors=[collect])
    SyncRunner().run(DOUBLE, x=2, event_processors=[local])
    assert _shape(collect.events) == _shape(local.events)


def test_rich_progress_shows_the_map_progress(dask_client):
    rich = pytest.importorskip("rich.console")
    from hypergraph import RichProgressProcessor

    out = io.StringIO()
    progress = RichProgressProcessor(console=rich.Console(file=out, force_terminal=False))
    runner = DaskRunner(client=dask_client, chunk_size=2)
    runner.map(DOUBLE, {"x": list(range(5))}, map_over="x", event_processors=[progress])
    text = out.getvalue()
    assert "5/5" in text
    assert "double" in text
