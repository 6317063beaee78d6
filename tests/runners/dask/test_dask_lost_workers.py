"""DaskRunner.map when nodes kill their worker process (``os._exit``) on a real LocalCluster.

Dask's ``allowed-failures`` is set to 0, so a task whose worker dies is given up at once, which
keeps each test to a few worker restarts. The lost-job test has one worker process, so a dying
worker takes every copy of the map's data with it. The poison-item test has two: a worker whose
process dies again while its nanny is still restarting it is not restarted (Dask), which a
loaded machine makes likely, and the other worker then finishes the map. Each map runs under a
generous bound (``BOUND_S``), so a regression that hangs fails its test instead of stalling the
suite; nothing here asserts how long anything takes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hypergraph import DaskRunner, Graph, node
from support.dask_cluster import local_client

distributed = pytest.importorskip("distributed")

# Over the size from which DaskRunner scatters the map's job (graph and broadcast values) to the
# workers instead of submitting it as a task: lost with the last worker holding it.
LARGE = b"x" * 5_000_000

# Each map needs a few worker restarts; even on a loaded machine that is well under a minute.
BOUND_S = 300.0


def cluster_of(workers: int) -> Iterator[Any]:
    with local_client(
        {"distributed.scheduler.allowed-failures": 0},
        n_workers=workers, threads_per_worker=1, processes=True, silence_logs=50,
    ) as client:  # fmt: skip
        yield client


@pytest.fixture
def one_worker() -> Iterator[Any]:
    yield from cluster_of(1)


@pytest.fixture
def two_workers() -> Iterator[Any]:
    yield from cluster_of(2)


def bounded(call: Callable[[], Any]) -> Any:
    """``call()`` in a thread; the test fails if it has not returned after ``BOUND_S``.

    A map still running then is stopped by the fixture closing the client.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(BOUND_S)
    if thread.is_alive():
        pytest.fail(f"DaskRunner.map had not finished after {BOUND_S:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@node(output_name="result")
def die_once(x: int, payload: bytes, marker_dir: str, doomed: int) -> int:
    """Kills its worker process the first time it runs item ``doomed``."""
    marker = Path(marker_dir) / f"died-{x}"
    if x == doomed and not marker.exists():
        marker.touch()
        os._exit(1)
    return x + len(payload)


@node(output_name="result")
def poison(x: int, marker_dir: str, doomed: int) -> int:
    """Kills its worker process every time it runs item ``doomed``, leaving a file each time."""
    if x == doomed:
        (Path(marker_dir) / f"died-{x}-{os.urandom(8).hex()}").touch()
        os._exit(1)
    return x * 10


DIE_ONCE = Graph([die_once], name="die_once")
POISON = Graph([poison], name="poison")


def test_map_finishes_after_the_only_worker_holding_its_large_job_dies(one_worker, tmp_path):
    runner = DaskRunner(client=one_worker, chunk_size=2)
    values = {"x": list(range(8)), "payload": LARGE, "marker_dir": str(tmp_path), "doomed": 3}
    results = bounded(lambda: runner.map(DIE_ONCE, values, map_over="x"))
    assert (tmp_path / "died-3").exists()  # the worker really died, with the scattered job
    assert [r.status for r in results] == ["completed"] * 8
    assert [r["result"] for r in results] == [x + len(LARGE) for x in range(8)]


def test_poison_item_fails_alone_and_its_neighbours_complete(two_workers, tmp_path):
    runner = DaskRunner(client=two_workers, chunk_size=4)
    values = {"x": list(range(8)), "marker_dir": str(tmp_path), "doomed": 5}
    results = bounded(lambda: runner.map(POISON, values, map_over="x", error_handling="continue"))
    assert [r.status for r in results] == ["completed"] * 5 + ["failed"] + ["completed"] * 2
    assert len(list(tmp_path.glob("died-5-*"))) == 2  # in its chunk, then alone
    assert isinstance(results[5].error, distributed.KilledWorker)
    assert [r["result"] for i, r in enumerate(results) if i != 5] == [
        x * 10 for x in range(8) if x != 5
    ]
