"""SqliteCheckpointer lends its connections per read and write instead of keeping one per thread.

Every durable run under ``"async"`` durability has a writer thread and a heartbeat thread that
end with the run; a connection kept per thread outlived its thread, so each run left two file
descriptors open until a process ran out of them.
"""

from __future__ import annotations

import os
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hypergraph import Graph, SqliteCheckpointer, SyncRunner, node


@node(output_name="doubled")
def double(x: int) -> int:
    return 2 * x


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
@pytest.mark.parametrize("durability", ["async", "sync", "exit"])
def test_many_durable_runs_leave_no_connection_open(tmp_path, durability: str) -> None:
    checkpointer = SqliteCheckpointer(tmp_path / "runs.db", durability=durability,
                                      retention="latest" if durability == "exit" else None)  # fmt: skip
    runner = SyncRunner(checkpointer=checkpointer)
    graph = Graph([double])
    runner.run(graph, x=0, workflow_id="warm-up")
    before = open_files()
    for i in range(60):
        assert runner.run(graph, x=i, workflow_id=f"run-{i}")["doubled"] == 2 * i
    runner.map(graph, x=list(range(50)), map_over="x", workflow_id="map")
    assert open_files() <= before + 1
    checkpointer.close()
    assert open_files() < before


def test_threads_share_the_store_and_close_releases_every_connection(tmp_path) -> None:
    checkpointer = SqliteCheckpointer(tmp_path / "runs.db")
    graph = Graph([double])

    def work(k: int) -> None:
        for i in range(10):
            SyncRunner(checkpointer=checkpointer).run(graph, x=i, workflow_id=f"t{k}-{i}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, range(4)))  # a thread's failure is raised here
    assert len(checkpointer.runs(limit=100)) == 40
    checkpointer.close()
    assert checkpointer.state("t3-9") == {"x": 9, "doubled": 18}  # reopens on use


def test_a_pickled_checkpointer_opens_its_own_connections(tmp_path) -> None:
    checkpointer = SqliteCheckpointer(tmp_path / "runs.db")
    SyncRunner(checkpointer=checkpointer).run(Graph([double]), x=4, workflow_id="wf")
    copy = pickle.loads(pickle.dumps(checkpointer))
    assert copy.state("wf") == {"x": 4, "doubled": 8}
    SyncRunner(checkpointer=copy).run(Graph([double]), x=5, workflow_id="wf-2")
    assert checkpointer.state("wf-2")["doubled"] == 10


def test_threads_opening_a_new_file_at_once_all_run(tmp_path) -> None:
    """Connections opening a new file together race to put it in WAL mode; SQLite tells the
    losers "database is locked" at once (it failed about one such start in twenty)."""
    graph = Graph([double])
    for trial in range(40):
        checkpointer = SqliteCheckpointer(tmp_path / f"new-{trial}.db")

        def work(k: int, checkpointer: SqliteCheckpointer = checkpointer) -> int:
            return SyncRunner(checkpointer=checkpointer).run(graph, x=k, workflow_id=f"t{k}")[
                "doubled"
            ]

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(work, range(8))) == [2 * k for k in range(8)]
        checkpointer.close()
