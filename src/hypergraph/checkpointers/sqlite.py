"""``SqliteCheckpointer``: the Checkpointer protocol on one SQLite file (standard library only).

The database runs in WAL mode, so readers never block the writer and several processes on one
machine can use the same file at once (each write is one ``BEGIN IMMEDIATE`` transaction; a
busy database is waited for, up to 30 seconds). ``synchronous=NORMAL``: a committed step
survives the process being killed; after a power cut the last few commits may be lost.
Connections are opened per thread and per process, lazily.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from hypergraph.checkpointers.base import (
    RUN_COLUMNS,
    STEP_COLUMNS,
    Checkpointer,
    Lease,
    LeaseLostError,
    StepRow,
    WriteBatch,
    run_from_row,
    run_rows,
)
from hypergraph.checkpointers.policy import CheckpointPolicy, Durability, Retention
from hypergraph.checkpointers.records import Run, WorkflowStatus
from hypergraph.checkpointers.serializers import Serializer

__all__ = ["SqliteCheckpointer", "SCHEMA_VERSION"]

SCHEMA_VERSION = 2
"""2 added ``steps.attempts``; a file of schema 1 is migrated when first opened."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS hypergraph_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    graph_name TEXT,
    duration_ms REAL NOT NULL DEFAULT 0,
    node_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    parent_run_id TEXT,
    forked_from TEXT,
    fork_superstep INTEGER,
    retry_of TEXT,
    retry_index INTEGER,
    config TEXT NOT NULL,
    created_at REAL NOT NULL,
    completed_at REAL,
    inputs BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_parent ON runs (parent_run_id);
CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at);
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL,
    superstep INTEGER NOT NULL,
    node_name TEXT NOT NULL,
    idx INTEGER NOT NULL,
    status TEXT NOT NULL,
    input_versions TEXT NOT NULL,
    step_values BLOB NOT NULL,
    duration_ms REAL NOT NULL,
    cached INTEGER NOT NULL,
    decision TEXT,
    error TEXT,
    node_type TEXT NOT NULL,
    created_at REAL NOT NULL,
    completed_at REAL NOT NULL,
    child_run_id TEXT,
    output_versions TEXT NOT NULL,
    attempts TEXT,
    PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS steps_by_node ON steps (run_id, node_name, idx);
CREATE TABLE IF NOT EXISTS leases (
    workflow_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""

_INSERT_STEPS = f"INSERT INTO steps ({STEP_COLUMNS}) VALUES "
_INSERT_RUNS = f"INSERT INTO runs ({RUN_COLUMNS}, inputs) VALUES "
_MAX_ROWS = 200  # rows per multi-row INSERT (200 x 17 parameters stays under SQLite's limit)
_UPDATE_RUN = (
    "UPDATE runs SET status = ?, duration_ms = ?, node_count = ?, error_count = ?, "
    "completed_at = ? WHERE id = ?"
)
_PRUNE = """
DELETE FROM steps WHERE run_id = :run AND idx < (
    SELECT MAX(later.idx) FROM steps AS later
    WHERE later.run_id = :run AND later.node_name = steps.node_name
      AND later.status = 'completed')
"""
_PRUNE_WINDOW = (
    _PRUNE + " AND superstep <= (SELECT MAX(superstep) FROM steps WHERE run_id = :run) - :window"
)


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a file of an older schema up to :data:`SCHEMA_VERSION`, in one transaction (a
    process racing to do the same waits, then finds it done)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        (version,) = conn.execute(
            "SELECT value FROM hypergraph_meta WHERE key = 'schema_version'"
        ).fetchone()
        if int(version) < 2:
            conn.execute("ALTER TABLE steps ADD COLUMN attempts TEXT")
        conn.execute(
            "UPDATE hypergraph_meta SET value = ? WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION),),
        )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _insert(conn: sqlite3.Connection, head: str, width: int, rows: Sequence[Any]) -> None:
    """Insert ``rows`` with multi-row ``INSERT ... VALUES (...), (...)`` statements.

    ``executemany`` steps the statement once per row, and the sqlite3 module lets go of the GIL
    around every step: a background writer then queues for the GIL once per row behind the
    run's thread. One statement per ``_MAX_ROWS`` rows asks for it once per chunk.
    """
    one = "(" + ", ".join("?" * width) + ")"
    for start in range(0, len(rows), _MAX_ROWS):
        chunk = rows[start : start + _MAX_ROWS]
        conn.execute(
            head + ", ".join([one] * len(chunk)), [value for row in chunk for value in row]
        )


class SqliteCheckpointer(Checkpointer):
    """Stores runs in a SQLite database file; safe for several processes on one machine.

    Args:
        path: The database file (created with its tables on first use).
        durability: Overrides ``policy.durability`` (``"sync"``, ``"async"`` or ``"exit"``).
        retention: Overrides ``policy.retention`` (``"full"``, ``"latest"`` or ``"windowed"``).
        policy: A :class:`~hypergraph.checkpointers.CheckpointPolicy` (default: async, full).
        serializer: How values are stored (default: ``JsonSerializer()``).

    Example:
        >>> import tempfile, os
        >>> from hypergraph import Graph, SqliteCheckpointer, SyncRunner, node
        >>> @node(output_name="y")
        ... def double(x: int) -> int:
        ...     return 2 * x
        >>> path = os.path.join(tempfile.mkdtemp(), "runs.db")
        >>> runner = SyncRunner(checkpointer=SqliteCheckpointer(path, durability="sync"))
        >>> runner.run(Graph([double]), x=2, workflow_id="wf-1")["y"]
        4
        >>> runner.checkpointer.get_run("wf-1").status
        <WorkflowStatus.COMPLETED: 'completed'>
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        durability: Durability | None = None,
        retention: Retention | None = None,
        policy: CheckpointPolicy | None = None,
        serializer: Serializer | None = None,
    ) -> None:
        super().__init__(
            durability=durability, retention=retention, policy=policy, serializer=serializer
        )
        self.path = os.fspath(path)
        if self.path in ("", ":memory:") or self.path.startswith("file::memory:"):
            raise ValueError(
                "SqliteCheckpointer needs a database file path (an in-memory SQLite database "
                "is private to one connection). For runs kept in memory use "
                "MemoryCheckpointer()."
            )
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SqliteCheckpointer({self.path!r}, policy={self.policy!r})"

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without connections (a Dask worker opens its own on the same file)."""
        state = self.__dict__.copy()
        state.update(_local=None, _all=[], _all_lock=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()
        self._all_lock = threading.Lock()

    # ------------------------------------------------------------------ connections
    def _connection(self) -> sqlite3.Connection:
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is not None and local.pid == os.getpid():
            return conn
        conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        self._ensure_schema(conn)
        local.conn, local.pid = conn, os.getpid()
        with self._all_lock:
            self._all.append(conn)
        return conn

    @staticmethod
    def _ensure_schema(conn: sqlite3.Connection) -> None:
        row = None
        with contextlib.suppress(sqlite3.OperationalError):  # no tables yet
            row = conn.execute(
                "SELECT value FROM hypergraph_meta WHERE key = 'schema_version'"
            ).fetchone()
        if row is None:  # every statement is idempotent: racing processes are fine
            conn.executescript(_SCHEMA)
            conn.execute(
                "INSERT OR IGNORE INTO hypergraph_meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        elif int(row[0]) > SCHEMA_VERSION:
            raise RuntimeError(
                f"The checkpoint database was written by a newer hypergraph (schema "
                f"{row[0]}, this one knows {SCHEMA_VERSION}). Upgrade hypergraph to read it."
            )
        elif int(row[0]) < SCHEMA_VERSION:
            _migrate(conn)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def row_counts(self) -> dict[str, int]:
        """How many rows each table holds (to watch retention keep the tables small)."""
        conn = self._connection()
        return {
            table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("runs", "steps", "leases")
        }

    def close(self) -> None:
        """Close every connection this checkpointer opened (it reopens them on next use)."""
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):  # closing from another thread
                conn.close()
        self._local = threading.local()

    # ------------------------------------------------------------------ storage
    def _write(self, batch: WriteBatch, lease: Lease | None) -> None:
        with self._transaction() as conn:
            if lease is not None:
                row = conn.execute(
                    "SELECT owner FROM leases WHERE workflow_id = ?", (lease.workflow_id,)
                ).fetchone()
                if row is None or row[0] != lease.owner:
                    raise LeaseLostError(
                        f"Workflow {lease.workflow_id!r} is now run by "
                        f"{row[0] if row else 'nobody'!r}."
                    )
                conn.execute(
                    "UPDATE leases SET expires_at = ? WHERE workflow_id = ?",
                    (lease.expires_at, lease.workflow_id),
                )
            for run_id in batch.deletes:
                prefix = run_id + "/"
                conn.execute(
                    "DELETE FROM steps WHERE run_id = ? OR substr(run_id, 1, ?) = ?",
                    (run_id, len(prefix), prefix),
                )
                conn.execute(
                    "DELETE FROM runs WHERE id = ? OR substr(id, 1, ?) = ?",
                    (run_id, len(prefix), prefix),
                )
            if batch.new_runs:
                _insert(conn, _INSERT_RUNS, 15, run_rows(batch.new_runs))
            if batch.steps:
                _insert(conn, _INSERT_STEPS, 17, batch.steps)
            for run_id, window in batch.prune:
                if window is None:
                    conn.execute(_PRUNE, {"run": run_id})
                else:
                    conn.execute(_PRUNE_WINDOW, {"run": run_id, "window": window})
            if batch.updates:
                conn.executemany(
                    _UPDATE_RUN,
                    [
                        (
                            u.status,
                            u.duration_ms,
                            u.node_count,
                            u.error_count,
                            u.completed_at,
                            u.run_id,
                        )
                        for u in batch.updates
                    ],  # fmt: skip
                )

    def _read_run(self, run_id: str) -> Run | None:
        row = (
            self._connection()
            .execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
            .fetchone()
        )
        return None if row is None else run_from_row(row)

    def _read_inputs(self, run_id: str) -> bytes | None:
        row = self._connection().execute("SELECT inputs FROM runs WHERE id = ?", (run_id,))
        found = row.fetchone()
        return None if found is None else bytes(found[0])

    def _read_steps(self, run_id: str, up_to: int | None) -> list[StepRow]:
        conn = self._connection()
        if up_to is None:
            cursor = conn.execute(
                f"SELECT {STEP_COLUMNS} FROM steps WHERE run_id = ? ORDER BY idx", (run_id,)
            )
        else:
            cursor = conn.execute(
                f"SELECT {STEP_COLUMNS} FROM steps WHERE run_id = ? AND superstep <= ? "
                "ORDER BY idx",
                (run_id, up_to),
            )
        return [StepRow._make((*row[:6], bytes(row[6]), *row[7:])) for row in cursor]

    def _read_runs(
        self,
        status: WorkflowStatus | None,
        graph_name: str | None,
        since: float | None,
        limit: int,
    ) -> list[Run]:
        where = ["parent_run_id IS NULL"]
        args: list[Any] = []
        if status is not None:
            where.append("status = ?")
            args.append(status.value)
        if graph_name is not None:
            where.append("graph_name = ?")
            args.append(graph_name)
        if since is not None:
            where.append("created_at >= ?")
            args.append(since)
        args.append(limit)
        cursor = self._connection().execute(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE {' AND '.join(where)} "
            "ORDER BY created_at DESC LIMIT ?",
            args,
        )
        return [run_from_row(row) for row in cursor]

    def _read_children(self, parent_run_id: str) -> list[Run]:
        cursor = self._connection().execute(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE parent_run_id = ?", (parent_run_id,)
        )
        return [run_from_row(row) for row in cursor]

    def _try_lease(
        self,
        workflow_id: str,
        owner: str,
        expires_at: float,
        may_take: Callable[[str, float], bool],
    ) -> tuple[str, float] | None:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT owner, expires_at FROM leases WHERE workflow_id = ?", (workflow_id,)
            ).fetchone()
            if row is not None and row[0] != owner and not may_take(row[0], row[1]):
                return (str(row[0]), float(row[1]))
            conn.execute(
                "INSERT INTO leases (workflow_id, owner, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (workflow_id) DO UPDATE SET owner = excluded.owner, "
                "expires_at = excluded.expires_at",
                (workflow_id, owner, expires_at),
            )
            return None

    def _release_lease(self, workflow_id: str, owner: str) -> None:
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM leases WHERE workflow_id = ? AND owner = ?", (workflow_id, owner)
            )
