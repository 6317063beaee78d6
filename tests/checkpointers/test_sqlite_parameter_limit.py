"""A wide superstep stored by SQLite older than 3.32, whose statements take at most 999 values."""

from __future__ import annotations

import sqlite3

import pytest

import hypergraph.checkpointers.sqlite as sqlite_module
from hypergraph import Graph, SqliteCheckpointer, SyncRunner, node

OLD_SQLITE_LIMIT = 999


def wide_graph(width: int) -> Graph:
    def make(i: int) -> object:
        def step(x: int) -> int:
            return x + i

        step.__name__ = f"n{i}"
        return node(step, output_name=f"y{i}")

    return Graph([make(i) for i in range(width)], name="wide")


@pytest.fixture
def old_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection the checkpointer opens refuses statements with more than 999 values."""
    real_connect = sqlite3.connect

    def connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)  # type: ignore[call-overload]
        conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, OLD_SQLITE_LIMIT)
        return conn

    monkeypatch.setattr(sqlite_module.sqlite3, "connect", connect)
    monkeypatch.setattr(
        sqlite_module._DIALECT, "rows_per_insert", sqlite_module._rows_per_insert((3, 31, 1))
    )


@pytest.mark.usefixtures("old_sqlite")
def test_a_300_node_superstep_is_stored_under_the_old_parameter_limit(tmp_path):
    checkpointer = SqliteCheckpointer(tmp_path / "runs.db", durability="sync")
    result = SyncRunner(checkpointer=checkpointer).run(wide_graph(300), x=1, workflow_id="wide")

    assert result["y299"] == 300
    assert len(checkpointer.steps("wide")) == 300
