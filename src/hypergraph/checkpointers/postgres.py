"""``PostgresCheckpointer``: the Checkpointer protocol on a PostgreSQL server (extra ``postgres``).

For runs that span machines: several processes and hosts (a Dask cluster's workers, the replicas
of a web service) record and resume workflows in one database. Each write is one transaction, so
a crash or a lost connection never leaves half a step behind. Connections come from a
``psycopg_pool.ConnectionPool``; before lending one, the pool looks whether the server has
closed it (a glance at the socket, no round trip; only then a real check), so after the server
restarts the next write reconnects by itself; a write that was cut off by the restart is rolled
back by the server and reported as :class:`CheckpointStoreUnavailableError`.

Statements and storage code are shared with ``SqliteCheckpointer`` (checkpointers/sql.py): a
write is one transaction whose first statement both checks and renews the lease, and a single
row is sent with ``execute`` (``executemany`` switches the connection to pipeline mode, which
costs more than it saves for one row).

The tables are created on first use (``hypergraph_runs``, ``hypergraph_steps``,
``hypergraph_item_packs``, ``hypergraph_leases`` and ``hypergraph_meta``, which holds the schema version for later
migrations), under an advisory lock so racing processes do not trip over each other.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from hypergraph.checkpointers.policy import CheckpointPolicy, Durability, Retention
from hypergraph.checkpointers.serializers import Serializer
from hypergraph.checkpointers.sql import SqlCheckpointer, SqlDialect

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

__all__ = ["CheckpointStoreUnavailableError", "PostgresCheckpointer", "SCHEMA_VERSION"]

SCHEMA_VERSION = 3
"""2 added ``hypergraph_steps.attempts``, 3 the table ``hypergraph_item_packs`` (map items
stored many to a row, checkpointers/packs.py); an older database is migrated when first
opened."""
_SCHEMA_LOCK = 0x68797067  # pg_advisory_xact_lock key for creating the tables ("hypg")

_DIALECT = SqlDialect(
    param="%s", prefix="hypergraph_", lock_row=True, native_bool=True,
    types={"real": "DOUBLE PRECISION", "blob": "BYTEA", "flag": "BOOLEAN", "steps_options": ""},
)  # fmt: skip
_SCHEMA = _DIALECT.schema


class CheckpointStoreUnavailableError(ConnectionError):
    """The checkpoint database could not be reached; nothing of the failed write was stored."""


def _import_driver() -> tuple[Any, Any]:
    try:
        import psycopg
        import psycopg_pool
    except ImportError as exc:
        raise ImportError(
            "PostgresCheckpointer needs the 'postgres' extra (psycopg and psycopg-pool), which "
            'is not installed. Install it with: pip install "hypergraph[postgres]"'
        ) from exc
    return psycopg, psycopg_pool


class PostgresCheckpointer(SqlCheckpointer):
    """Stores runs in a PostgreSQL database, shared by every process and machine that opens it.

    Args:
        dsn: A libpq connection string or URL (``"postgresql://user@host:5432/db"``). ``None``
            uses libpq's environment (``PGHOST``, ``PGUSER``, ...). Ignored when ``pool`` is
            given.
        pool: A ``psycopg_pool.ConnectionPool`` of your own (its connections must not be in
            autocommit mode). The checkpointer borrows connections and never closes it.
        durability: Overrides ``policy.durability`` (``"sync"``, ``"async"`` or ``"exit"``).
        retention: Overrides ``policy.retention`` (``"full"``, ``"latest"`` or ``"windowed"``).
        policy: A :class:`~hypergraph.checkpointers.CheckpointPolicy` (default: async, full).
        serializer: How values are stored (default: ``JsonSerializer()``).

    Raises:
        ImportError: The ``postgres`` extra is not installed (the message says how to install).

    The object pickles (without its connections), so a runner can ship it to Dask workers,
    which then record their items directly.
    """

    dialect = _DIALECT
    connect_timeout: float = 30.0
    """Seconds a write waits for a working connection (e.g. while the server restarts) before
    raising :class:`CheckpointStoreUnavailableError`. Set it on the object to change it."""

    def __init__(
        self,
        dsn: str | None = None,
        *,
        pool: ConnectionPool | None = None,
        durability: Durability | None = None,
        retention: Retention | None = None,
        policy: CheckpointPolicy | None = None,
        serializer: Serializer | None = None,
    ) -> None:
        super().__init__(
            durability=durability, retention=retention, policy=policy, serializer=serializer
        )
        _import_driver()
        self.dsn = dsn if dsn is not None else ""
        self._given_pool = pool
        self._own_pool: ConnectionPool | None = None
        self._pool_pid = 0
        self._lock = threading.Lock()
        self._schema_ready = False

    def __repr__(self) -> str:
        where = "<pool>" if self._given_pool is not None else _redacted(self.dsn)
        return f"PostgresCheckpointer({where!r}, policy={self.policy!r})"

    def __getstate__(self) -> dict[str, Any]:
        if self._given_pool is not None:
            raise TypeError(
                "A PostgresCheckpointer built on your own pool cannot be sent to another "
                "process; build it from a dsn (PostgresCheckpointer(dsn)) to ship it."
            )
        state = self.__dict__.copy()
        state.update(_own_pool=None, _pool_pid=0, _lock=None, _schema_ready=False)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ connections
    def _pool(self) -> ConnectionPool:
        if self._given_pool is not None:
            return self._given_pool
        with self._lock:
            if self._own_pool is None or self._pool_pid != os.getpid():
                _, psycopg_pool = _import_driver()
                # A forked child must not share the parent's sockets: it opens its own pool.
                self._own_pool = psycopg_pool.ConnectionPool(
                    self.dsn,
                    min_size=1,
                    max_size=8,
                    open=True,
                    check=_check_if_closed,
                    kwargs={"autocommit": False, "connect_timeout": 10},
                    name="hypergraph-checkpointer",
                )
                self._pool_pid = os.getpid()
            return self._own_pool

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        psycopg, psycopg_pool = _import_driver()
        try:
            with self._pool().connection(timeout=self.connect_timeout) as conn:
                if not self._schema_ready:
                    self._ensure_schema(conn)
                with conn.transaction():
                    yield conn
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
            raise CheckpointStoreUnavailableError(
                f"The checkpoint database at {_redacted(self.dsn) or 'the PGHOST default'} "
                f"could not be reached ({type(exc).__name__}: {str(exc).strip()}). Nothing of "
                "this write was stored (the transaction was rolled back); once the server is "
                "back, run the workflow again with the same workflow_id to resume from its "
                "last stored step."
            ) from exc

    def _ensure_schema(self, conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            exists = conn.execute("SELECT to_regclass('hypergraph_meta')").fetchone()
            if exists is None or exists[0] is None:
                conn.execute(_SCHEMA)
                conn.execute(
                    "INSERT INTO hypergraph_meta (key, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO NOTHING",
                    (str(SCHEMA_VERSION),),
                )
            row = conn.execute(
                "SELECT value FROM hypergraph_meta WHERE key = 'schema_version'"
            ).fetchone()
            if row is not None and int(row[0]) < SCHEMA_VERSION:
                if int(row[0]) < 2:  # schema 2 added the steps' attempts
                    conn.execute(
                        "ALTER TABLE hypergraph_steps ADD COLUMN IF NOT EXISTS attempts TEXT"
                    )
                conn.execute(_SCHEMA)  # creates what later schemas added (IF NOT EXISTS)
                conn.execute(
                    "UPDATE hypergraph_meta SET value = %s WHERE key = 'schema_version'",
                    (str(SCHEMA_VERSION),),
                )
        if row is not None and int(row[0]) > SCHEMA_VERSION:
            raise RuntimeError(
                f"The checkpoint database was written by a newer hypergraph (schema {row[0]}, "
                f"this one knows {SCHEMA_VERSION}). Upgrade hypergraph to read it."
            )
        self._schema_ready = True

    def close(self) -> None:
        """Close the connection pool this checkpointer opened (it reopens on next use)."""
        with self._lock:
            pool, self._own_pool = self._own_pool, None
        if pool is not None and self._pool_pid == os.getpid():
            pool.close()

    @contextmanager
    def _writing(self) -> Iterator[psycopg.Cursor[Any]]:
        with self._transaction() as conn, conn.cursor() as cur:
            yield cur

    _reading = _writing  # a read is a transaction of its own too


def _check_if_closed(conn: psycopg.Connection[Any]) -> None:
    """The pool's check before lending ``conn``: raise if it is dead, without a round trip
    while it looks healthy.

    An idle connection has nothing to read; a readable socket means the server closed it (a
    restart sends a farewell, then EOF), and only then is the connection checked for real
    (which raises, so the pool replaces it)."""
    import select

    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        from psycopg_pool import ConnectionPool

        ConnectionPool.check_connection(conn)


def _redacted(dsn: str) -> str:
    """``dsn`` without its password (for messages and reprs)."""
    if "://" in dsn and "@" in dsn:
        scheme, rest = dsn.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return " ".join(part for part in dsn.split() if not part.startswith("password="))
