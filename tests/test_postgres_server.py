"""The throwaway PostgreSQL server the checkpointer tests run against."""

from __future__ import annotations

import psycopg
import pytest

from support.postgres_server import PostgresServer


def test_server_accepts_connections_on_loopback(postgres_server: PostgresServer) -> None:
    with psycopg.connect(postgres_server.dsn) as conn:
        row = conn.execute("select inet_server_addr()::text, current_setting('port')").fetchone()
    assert row is not None
    assert row[0].startswith("127.0.0.1")
    assert int(row[1]) == postgres_server.port


def test_restart_drops_connections_and_keeps_data() -> None:
    with PostgresServer() as server:
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute("create table kept (n int)")
            conn.execute("insert into kept values (7)")
        survivor = psycopg.connect(server.dsn, autocommit=True)
        server.restart()
        with pytest.raises(psycopg.OperationalError):
            survivor.execute("select 1")
        survivor.close()
        with psycopg.connect(server.dsn) as conn:
            assert conn.execute("select n from kept").fetchall() == [(7,)]


def test_server_is_stopped_when_its_test_process_is_killed() -> None:
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    support = str(Path(__file__).resolve().parent)
    script = (
        f"import sys; sys.path.insert(0, {support!r})\n"
        "from support.postgres_server import PostgresServer\n"
        "server = PostgresServer().start()\n"
        "print(server._root, flush=True)\n"
        "import time; time.sleep(600)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    root = Path(proc.stdout.readline().strip())
    assert (root / "data" / "postmaster.pid").exists()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 60
    while root.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not root.exists(), "the watchdog did not stop and remove the orphaned server"
