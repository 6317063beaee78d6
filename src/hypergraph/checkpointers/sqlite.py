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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypergraph.checkpointers.policy import CheckpointPolicy, Durability, Retention
from hypergraph.checkpointers.serializers import Serializer
from hypergraph.checkpointers.sql import SqlCheckpointer, SqlDialect

__all__ = ["SqliteCheckpointer", "SCHEMA_VERSION"]

SCHEMA_VERSION = 3
"""2 added ``steps.attempts``, 3 the table ``item_packs`` (map items stored many to a row,
checkpointers/packs.py); a file of an older schema is migrated when first opened."""

# Rows per multi-row INSERT (chunks of a power of two, at most this many), under SQLite's limit
# on parameters per statement: 32,766 since SQLite 3.32 (128 rows x 17 columns = 2,176), 999
# before (32 x 17 = 544), which Python builds linked against an older system SQLite still have.


def _rows_per_insert(version: tuple[int, int, int]) -> int:
    return 128 if version >= (3, 32) else 32


_ROWS_PER_INSERT = _rows_per_insert(sqlite3.sqlite_version_info)
_DIALECT = SqlDialect(
    param="?", prefix="", lock_row=False, native_bool=False, rows_per_insert=_ROWS_PER_INSERT,
    types={"real": "REAL", "blob": "BLOB", "flag": "INTEGER", "steps_options": " WITHOUT ROWID"},
)  # fmt: skip
_SCHEMA = _DIALECT.schema


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode (once per file; a no-op after). Connections opening a new file
    at the same moment (threads or processes) may be told "database is locked" at once, without
    SQLite's busy wait: that is retried, for up to the connection timeout."""
    deadline = time.monotonic() + 30.0
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


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
        for statement in _SCHEMA.split(";"):  # creates what later schemas added
            if statement.strip():
                conn.execute(statement)
        conn.execute(
            "UPDATE hypergraph_meta SET value = ? WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION),),
        )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class SqliteCheckpointer(SqlCheckpointer):
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

    dialect = _DIALECT

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
        self._pool_state()

    def _pool_state(self) -> None:
        # Connections are lent per read or write, not kept per thread: a durable run's writer
        # and heartbeat threads end with the run, and connections kept per thread were never
        # closed (two file descriptors lost per run).
        self._idle: list[sqlite3.Connection] = []  # open, lent to no one
        self._pool_lock = threading.Lock()
        self._pid = os.getpid()  # a forked child must not use its parent's connections
        self._closes = 0  # close() calls: a connection lent before one is closed on return

    def __repr__(self) -> str:
        return f"SqliteCheckpointer({self.path!r}, policy={self.policy!r})"

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without connections (a Dask worker opens its own on the same file)."""
        state = self.__dict__.copy()
        for name in ("_idle", "_pool_lock", "_pid", "_closes"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._pool_state()

    # ------------------------------------------------------------------ connections
    _MAX_IDLE = 8  # idle connections kept open for the next read or write

    @contextmanager
    def _lent(self) -> Iterator[sqlite3.Connection]:
        """A connection for one read or write, given back to the pool afterwards."""
        with self._pool_lock:
            if self._pid != os.getpid():  # forked: the parent's connections stay the parent's
                self._idle, self._pid = [], os.getpid()
            conn = self._idle.pop() if self._idle else None
            closes = self._closes
        if conn is None:
            conn = self._open()
        try:
            yield conn
        finally:
            with self._pool_lock:
                keep = closes == self._closes and len(self._idle) < self._MAX_IDLE
                if keep:
                    self._idle.append(conn)
            if not keep:
                conn.close()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        try:
            _switch_to_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._ensure_schema(conn)
        except BaseException:
            conn.close()
            raise
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
    def _writing(self) -> Iterator[sqlite3.Cursor]:
        with self._lent() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn.cursor()
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Cursor]:
        with self._lent() as conn:
            yield conn.cursor()

    def close(self) -> None:
        """Close this checkpointer's connections (it opens new ones on next use); one lent
        to a read or write in progress is closed when that ends."""
        with self._pool_lock:
            idle, self._idle = self._idle, []
            self._closes += 1
        for conn in idle:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
