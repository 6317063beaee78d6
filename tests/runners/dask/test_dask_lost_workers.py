"""DaskRunner.map when workers die: lost shared data is sent again, a poison item fails alone.

One worker process, so a dying worker takes every copy of the map's data with it, and Dask's
``allowed-failures`` set to 1 so a task that kills its worker twice is given up quickly: both
keep these tests to a few worker restarts each.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hypergraph import DaskRunner, Graph, node

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

# Over the size from which DaskRunner scatters the map's job instead of submitting it.
LARGE = b"x" * 5_000_000


@pytest.fixture(scope="module")
def one_worker() -> Iterator[Any]:
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=50,
        )
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@node(output_name="result")
def die_once(x: int, payload: bytes, marker_dir: str, doomed: int) -> int:
    """Kills its worker process the first time it sees item ``doomed``."""
    marker = Path(marker_dir) / f"seen-{x}"
    if x == doomed and not marker.exists():
        marker.touch()
        os._exit(1)
    return x + len(payload)


@node(output_name="result")
def poison(x: int, marker_dir: str, doomed: int) -> int:
    """Kills its worker process every time it runs item ``doomed``; logs every other run."""
    if x == doomed:
        os._exit(1)
    (Path(marker_dir) / f"ran-{x}-{os.getpid()}-{os.urandom(4).hex()}").touch()
    return x * 10


DIE_ONCE = Graph([die_once], name="die_once")
POISON = Graph([poison], name="poison")


def test_map_finishes_after_the_only_worker_holding_its_large_job_dies(one_worker, tmp_path):
    runner = DaskRunner(client=one_worker, chunk_size=2)
    values = {"x": list(range(8)), "payload": LARGE, "marker_dir": str(tmp_path), "doomed": 3}
    results = runner.map(DIE_ONCE, values, map_over="x")
    assert (tmp_path / "seen-3").exists()  # the worker really died, with the scattered job
    assert [r["result"] for r in results] == [x + len(LARGE) for x in range(8)]


def test_poison_item_fails_alone_and_its_neighbours_complete(one_worker, tmp_path):
    runner = DaskRunner(client=one_worker, chunk_size=4)
    values = {"x": list(range(8)), "marker_dir": str(tmp_path), "doomed": 5}
    results = runner.map(POISON, values, map_over="x", error_handling="continue")
    statuses = [r.status for r in results]
    assert statuses == ["completed"] * 5 + ["failed"] + ["completed"] * 2
    assert isinstance(results[5].error, distributed.KilledWorker)
    assert [r["result"] for i, r in enumerate(results) if i != 5] == [
        x * 10 for x in range(8) if x != 5
    ]


def test_poison_item_is_raised_in_raise_mode(one_worker, tmp_path):
    runner = DaskRunner(client=one_worker, chunk_size=4)
    values = {"x": [0, 1, 2, 3], "marker_dir": str(tmp_path), "doomed": 2}
    with pytest.raises(distributed.KilledWorker):
        runner.map(POISON, values, map_over="x")
