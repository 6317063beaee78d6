"""What the two SQL checkpointers share: every statement, and the storage methods written once.

``SqliteCheckpointer`` and ``PostgresCheckpointer`` keep the same tables and the same logic; they
differ in how they connect and in a few words of dialect, which :class:`SqlDialect` names: the
parameter marker (``?`` or ``%s``), the table names (``runs`` or ``hypergraph_runs``), whether a
lease row is locked while it is checked (``FOR UPDATE``), whether booleans are bound as such,
and how many rows go into one ``INSERT``.

A write is one transaction whose first statement both checks and renews the lease (``UPDATE ...
WHERE owner = ...``; the row lock it takes fences the rows written after it until the commit).

:class:`SqlCheckpointer` implements the storage methods of the Checkpointer protocol
(checkpointers/base.py) on a DB-API cursor; a backend gives its dialect and two context
managers, ``_writing()`` (a cursor inside one transaction) and ``_reading()`` (a cursor for one
read).
"""

from __future__ import annotations

import functools
from abc import abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from hypergraph.checkpointers.base import (
    RUN_COLUMNS,
    STEP_COLUMNS,
    Checkpointer,
    Lease,
    PackRow,
    StepRow,
    WriteBatch,
    lease_lost,
    run_from_row,
    run_rows,
)
from hypergraph.checkpointers.records import Run, WorkflowStatus

__all__ = ["SqlCheckpointer", "SqlDialect"]

TABLES = ("runs", "steps", "item_packs", "leases")

# Every table and index, in one dialect's table names and column types (see SqlDialect).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS hypergraph_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {runs} (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    graph_name TEXT,
    duration_ms {real} NOT NULL DEFAULT 0,
    node_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    parent_run_id TEXT,
    forked_from TEXT,
    fork_superstep INTEGER,
    retry_of TEXT,
    retry_index INTEGER,
    config TEXT NOT NULL,
    created_at {real} NOT NULL,
    completed_at {real},
    inputs {blob} NOT NULL
);
CREATE INDEX IF NOT EXISTS {runs}_by_parent ON {runs} (parent_run_id);
CREATE INDEX IF NOT EXISTS {runs}_by_created ON {runs} (created_at);
CREATE TABLE IF NOT EXISTS {steps} (
    run_id TEXT NOT NULL,
    superstep INTEGER NOT NULL,
    node_name TEXT NOT NULL,
    idx INTEGER NOT NULL,
    status TEXT NOT NULL,
    input_versions TEXT NOT NULL,
    step_values {blob} NOT NULL,
    duration_ms {real} NOT NULL,
    cached {flag} NOT NULL,
    decision TEXT,
    error TEXT,
    node_type TEXT NOT NULL,
    created_at {real} NOT NULL,
    completed_at {real} NOT NULL,
    child_run_id TEXT,
    output_versions TEXT NOT NULL,
    attempts TEXT,
    PRIMARY KEY (run_id, idx)
){steps_options};
CREATE INDEX IF NOT EXISTS {steps}_by_node ON {steps} (run_id, node_name, idx);
CREATE TABLE IF NOT EXISTS {item_packs} (
    parent_run_id TEXT NOT NULL,
    first_index INTEGER NOT NULL,
    last_index INTEGER NOT NULL,
    meta TEXT NOT NULL,
    item_times {blob} NOT NULL,
    pack_values {blob} NOT NULL,
    PRIMARY KEY (parent_run_id, first_index)
);
CREATE TABLE IF NOT EXISTS {leases} (
    workflow_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at {real} NOT NULL
);
"""


class SqlDialect:
    """Every statement of the SQL checkpointers, in one database's words.

    Args:
        param: The parameter marker of the driver (``"?"`` for sqlite3, ``"%s"`` for psycopg).
        prefix: Put before each table name (``"hypergraph_"`` in a shared PostgreSQL database).
        lock_row: Lock a lease row while checking it (``SELECT ... FOR UPDATE``); SQLite locks
            the whole database for a write transaction instead.
        native_bool: Bind the ``cached`` column as a ``bool`` (PostgreSQL ``BOOLEAN``) rather
            than as it comes.
        rows_per_insert: Insert rows with multi-row ``INSERT ... VALUES (...), (...)``
            statements of a power of two rows, at most this many (SQLite: the sqlite3 module lets go of the GIL
            around every step of ``executemany``, so a background writer would queue for it once
            per row; one statement per chunk asks once). ``None``: ``executemany``, or
            ``execute`` for a single row (psycopg's ``executemany`` switches the connection to
            pipeline mode, which costs more than it saves for one row).
        types: The column types of the schema: ``real``, ``blob`` and ``flag`` (a boolean), and
            ``steps_options`` after the steps table's definition (SQLite: ``WITHOUT ROWID``).
    """

    def __init__(
        self,
        *,
        param: str,
        prefix: str,
        lock_row: bool,
        native_bool: bool,
        types: dict[str, str],
        rows_per_insert: int | None = None,
    ) -> None:
        self.param = param
        self.native_bool = native_bool
        self.rows_per_insert = rows_per_insert
        self.tables = {name: prefix + name for name in TABLES}
        self.schema = _SCHEMA.format(**self.tables, **types)
        self._lock = " FOR UPDATE" if lock_row else ""
        sql = self.sql
        self.insert_runs = sql(f"INSERT INTO {{runs}} ({RUN_COLUMNS}, inputs) VALUES ")
        self.insert_steps = sql(f"INSERT INTO {{steps}} ({STEP_COLUMNS}) VALUES ")
        self.update_run = sql(
            "UPDATE {runs} SET status = ?, duration_ms = ?, node_count = ?, error_count = ?, "
            "completed_at = ? WHERE id = ?"
        )
        # A run and its child runs ("<id>/..."): steps first, then the runs, then packed items.
        self.delete_steps = sql("DELETE FROM {steps} WHERE run_id = ? OR substr(run_id, 1, ?) = ?")
        self.delete_runs = sql("DELETE FROM {runs} WHERE id = ? OR substr(id, 1, ?) = ?")
        self.delete_packs = sql(
            "DELETE FROM {item_packs} WHERE parent_run_id = ? OR substr(parent_run_id, 1, ?) = ?"
        )
        self.drop_packs = sql("DELETE FROM {item_packs} WHERE parent_run_id = ?")
        self.insert_packs = sql(
            "INSERT INTO {item_packs} (parent_run_id, first_index, last_index, meta, item_times, "
            "pack_values) VALUES "
        )
        # A step is dropped when a later completed step of the same node exists (resuming
        # restores the latest outputs of each node), and, for a window, only when it is older
        # than the window. Parameters: run, run (then run, window).
        self.prune = sql(
            "DELETE FROM {steps} WHERE run_id = ? AND idx < ("
            "SELECT MAX(later.idx) FROM {steps} AS later WHERE later.run_id = ? "
            "AND later.node_name = {steps}.node_name AND later.status = 'completed')"
        )
        self.prune_window = self.prune + sql(
            " AND superstep <= (SELECT MAX(superstep) FROM {steps} WHERE run_id = ?) - ?"
        )
        self.read_run = sql(f"SELECT {RUN_COLUMNS} FROM {{runs}} WHERE id = ?")
        self.read_inputs = sql("SELECT inputs FROM {runs} WHERE id = ?")
        self.read_steps = sql(f"SELECT {STEP_COLUMNS} FROM {{steps}} WHERE run_id = ?")
        self.read_children = sql(f"SELECT {RUN_COLUMNS} FROM {{runs}} WHERE parent_run_id = ?")
        packs = (
            "SELECT parent_run_id, first_index, last_index, meta, item_times, pack_values "
            "FROM {item_packs}"
        )
        self.read_packs = sql(packs + " WHERE parent_run_id = ? ORDER BY first_index")
        self.read_packs_holding = sql(
            packs + " WHERE parent_run_id = ? AND first_index <= ? AND last_index >= ? "
            "ORDER BY first_index"
        )
        self.lease_owner = sql("SELECT owner FROM {leases} WHERE workflow_id = ?")
        self.lease_renew = sql(
            "UPDATE {leases} SET expires_at = ? WHERE workflow_id = ? AND owner = ?"
        )
        self.lease_holder = sql(
            "SELECT owner, expires_at FROM {leases} WHERE workflow_id = ?" + self._lock
        )
        self.lease_insert = sql(
            "INSERT INTO {leases} (workflow_id, owner, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (workflow_id) DO NOTHING"
        )
        self.lease_take = sql("UPDATE {leases} SET owner = ?, expires_at = ? WHERE workflow_id = ?")
        self.lease_release = sql("DELETE FROM {leases} WHERE workflow_id = ? AND owner = ?")

    def sql(self, template: str) -> str:
        """``template`` with its table names (``{runs}``, ``{steps}``, ...) and markers."""
        return template.format(**self.tables).replace("?", self.param)

    def runs_query(
        self,
        status: WorkflowStatus | None,
        graph_name: str | None,
        since: float | None,
        limit: int,
    ) -> tuple[str, list[Any]]:
        """The query of ``Checkpointer.runs()`` (top-level runs, newest first) and its args."""
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
        query = (
            f"SELECT {RUN_COLUMNS} FROM {{runs}} WHERE {' AND '.join(where)} "
            "ORDER BY created_at DESC LIMIT ?"
        )
        return self.sql(query), args

    def insert(self, cur: Any, head: str, rows: list[Any]) -> None:
        """Insert ``rows`` with ``head`` (``INSERT INTO ... VALUES``), see ``rows_per_insert``."""
        one = "(" + ", ".join([self.param] * len(rows[0])) + ")"
        chunk_size = self.rows_per_insert
        if chunk_size is not None:
            # Chunks of a power of two rows: the connection's statement cache then keeps a few
            # compiled statements, not a large one for every batch size it meets.
            start, total = 0, len(rows)
            while start < total:
                size = min(chunk_size, 1 << ((total - start).bit_length() - 1))
                chunk = rows[start : start + size]
                cur.execute(_rows_statement(head, one, size), [v for row in chunk for v in row])
                start += size
        elif len(rows) == 1:
            cur.execute(head + one, rows[0])
        else:
            cur.executemany(head + one, rows)


@functools.lru_cache(maxsize=64)
def _rows_statement(head: str, one: str, rows: int) -> str:
    return head + ", ".join([one] * rows)


class SqlCheckpointer(Checkpointer):
    """The Checkpointer storage methods on SQL (see the module docs); not used directly."""

    dialect: SqlDialect

    @abstractmethod
    def _writing(self) -> AbstractContextManager[Any]:
        """A cursor inside one transaction, committed on exit (rolled back on an error)."""

    @abstractmethod
    def _reading(self) -> AbstractContextManager[Any]:
        """A cursor for one read."""

    def _write(self, batch: WriteBatch, lease: Lease | None) -> None:
        sql = self.dialect
        with self._writing() as cur:
            if lease is not None:
                cur.execute(sql.lease_renew, (lease.expires_at, lease.workflow_id, lease.owner))
                if cur.rowcount != 1:  # the lease is someone else's (or nobody's) now
                    row = cur.execute(sql.lease_owner, (lease.workflow_id,)).fetchone()
                    raise lease_lost(lease, row[0] if row is not None else None)
            for run_id in batch.deletes:
                prefix = run_id + "/"
                cur.execute(sql.delete_steps, (run_id, len(prefix), prefix))
                cur.execute(sql.delete_runs, (run_id, len(prefix), prefix))
                cur.execute(sql.delete_packs, (run_id, len(prefix), prefix))
            for run_id in batch.unpacked:
                cur.execute(sql.drop_packs, (run_id,))
            if batch.new_runs:
                sql.insert(cur, sql.insert_runs, run_rows(batch.new_runs))
            if batch.packs:
                sql.insert(cur, sql.insert_packs, batch.packs)
            if batch.steps:
                steps: list[Any] = batch.steps
                if sql.native_bool:
                    steps = [(*row[:8], bool(row.cached), *row[9:]) for row in batch.steps]
                sql.insert(cur, sql.insert_steps, steps)
            for run_id, window in batch.prune:
                if window is None:
                    cur.execute(sql.prune, (run_id, run_id))
                else:
                    cur.execute(sql.prune_window, (run_id, run_id, run_id, window))
            if batch.updates:
                cur.executemany(
                    sql.update_run,
                    [
                        (u.status, u.duration_ms, u.node_count, u.error_count,
                         u.completed_at, u.run_id)
                        for u in batch.updates
                    ],
                )  # fmt: skip

    def _load_run(self, run_id: str) -> Run | None:
        with self._reading() as cur:
            row = cur.execute(self.dialect.read_run, (run_id,)).fetchone()
        return None if row is None else run_from_row(row)

    def _load_inputs(self, run_id: str) -> bytes | None:
        with self._reading() as cur:
            row = cur.execute(self.dialect.read_inputs, (run_id,)).fetchone()
        return None if row is None else bytes(row[0])

    def _load_steps(self, run_id: str, up_to: int | None) -> list[StepRow]:
        query = self.dialect.read_steps
        params: list[Any] = [run_id]
        if up_to is not None:
            query += f" AND superstep <= {self.dialect.param}"
            params.append(up_to)
        with self._reading() as cur:
            rows = cur.execute(query + " ORDER BY idx", params).fetchall()
        return [StepRow._make((*row[:6], bytes(row[6]), *row[7:])) for row in rows]

    def _read_runs(
        self,
        status: WorkflowStatus | None,
        graph_name: str | None,
        since: float | None,
        limit: int,
    ) -> list[Run]:
        query, args = self.dialect.runs_query(status, graph_name, since, limit)
        with self._reading() as cur:
            rows = cur.execute(query, args).fetchall()
        return [run_from_row(row) for row in rows]

    def _load_children(self, parent_run_id: str) -> list[Run]:
        with self._reading() as cur:
            rows = cur.execute(self.dialect.read_children, (parent_run_id,)).fetchall()
        return [run_from_row(row) for row in rows]

    def _load_packs(self, parent_run_id: str, index: int | None) -> list[PackRow]:
        sql = self.dialect
        with self._reading() as cur:
            if index is None:
                rows = cur.execute(sql.read_packs, (parent_run_id,)).fetchall()
            else:
                args = (parent_run_id, index, index)
                rows = cur.execute(sql.read_packs_holding, args).fetchall()
        return [
            PackRow(row[0], int(row[1]), int(row[2]), row[3], bytes(row[4]), bytes(row[5]))
            for row in rows
        ]

    def _try_lease(
        self,
        workflow_id: str,
        owner: str,
        expires_at: float,
        may_take: Callable[[str, float], bool],
    ) -> tuple[str, float] | None:
        sql = self.dialect
        with self._writing() as cur:
            # Insert first, so there is a row to lock (PostgreSQL) in a race for a new id.
            cur.execute(sql.lease_insert, (workflow_id, owner, expires_at))
            row = cur.execute(sql.lease_holder, (workflow_id,)).fetchone()
            if row is None:  # a driver would have raised; the insert above made the row
                raise RuntimeError(f"The lease row of workflow {workflow_id!r} vanished.")
            if row[0] != owner and not may_take(row[0], row[1]):
                return (str(row[0]), float(row[1]))
            cur.execute(sql.lease_take, (owner, expires_at, workflow_id))
            return None

    def _release_lease(self, workflow_id: str, owner: str) -> None:
        with self._writing() as cur:
            cur.execute(self.dialect.lease_release, (workflow_id, owner))

    def row_counts(self) -> dict[str, int]:
        """How many rows each table holds (to watch retention keep the tables small)."""
        counts: dict[str, int] = {}
        with self._reading() as cur:
            for name, table in self.dialect.tables.items():
                row = cur.execute(f"SELECT count(*) FROM {table}").fetchone()
                counts[name] = int(row[0]) if row is not None else 0
        return counts
