"""What only the PostgreSQL backend has: a server that can go away, a schema, connections."""

from __future__ import annotations

import pickle
import subprocess
import sys
import time

import psycopg
import pytest

from hypergraph.checkpointers import PostgresCheckpointer, Run, StepRecord, WorkflowStatus
from hypergraph.checkpointers.base import WriteBatch, new_owner, step_row
from hypergraph.checkpointers.postgres import SCHEMA_VERSION, CheckpointStoreUnavailableError
from support.postgres_server import PostgresServer


def _new_run(cp: PostgresCheckpointer, run_id: str) -> None:
    run = Run(id=run_id, created_at=time.time(), config={"graph_struct_hash": "s"})
    cp._write(WriteBatch(new_runs=[(run, cp.serializer.dumps({"x": 1}))]), None)


def _step(cp: PostgresCheckpointer, run_id: str, index: int) -> WriteBatch:
    record = StepRecord(run_id, index, f"n{index}", index, values={"y": index})
    return WriteBatch(steps=[step_row(record, cp.serializer.dumps(record.values))])


def test_server_restart_between_writes_reconnects_transparently() -> None:
    with PostgresServer() as server:
        cp = PostgresCheckpointer(server.dsn)
        _new_run(cp, "wf-1")
        cp._write(_step(cp, "wf-1", 0), None)
        server.restart()  # every pooled connection is now dead
        cp._write(_step(cp, "wf-1", 1), None)
        assert [s.values["y"] for s in cp.steps("wf-1")] == [0, 1]
        cp.close()


def test_write_while_server_is_down_fails_clearly_and_stores_nothing() -> None:
    with PostgresServer() as server:
        cp = PostgresCheckpointer(server.dsn)
        _new_run(cp, "wf-1")
        cp._write(_step(cp, "wf-1", 0), None)
        server.stop(mode="immediate")
        cp.connect_timeout = 2.0
        with pytest.raises(CheckpointStoreUnavailableError) as caught:
            cp._write(_step(cp, "wf-1", 1), None)
        message = str(caught.value)
        assert "could not be reached" in message and "same workflow_id" in message
        assert f"127.0.0.1:{server.port}" in message
        server.start()
        assert [s.index for s in cp.steps("wf-1")] == [0]  # nothing half-written
        cp.close()


def test_schema_is_versioned_and_a_newer_one_is_refused(postgres_database: str) -> None:
    cp = PostgresCheckpointer(postgres_database)
    cp.runs()
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        row = conn.execute("SELECT value FROM hypergraph_meta WHERE key = 'schema_version'")
        assert row.fetchone() == (str(SCHEMA_VERSION),)
        conn.execute(
            "UPDATE hypergraph_meta SET value = %s WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION + 1),),
        )
    newer = PostgresCheckpointer(postgres_database)
    with pytest.raises(RuntimeError, match="newer hypergraph"):
        newer.runs()
    cp.close()
    newer.close()


def test_tables_are_created_once_by_racing_processes(postgres_database: str) -> None:
    script = (
        "import sys\n"
        "from hypergraph.checkpointers import PostgresCheckpointer\n"
        "cp = PostgresCheckpointer(sys.argv[1])\n"
        "print(len(cp.runs()))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, postgres_database],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert out.strip() == b"0"


def test_checkpointer_pickles_without_connections_for_workers(postgres_database: str) -> None:
    cp = PostgresCheckpointer(postgres_database, durability="sync")
    _new_run(cp, "wf-1")
    clone = pickle.loads(pickle.dumps(cp))
    assert clone.policy == cp.policy
    assert clone.inputs("wf-1") == {"x": 1}
    clone._write(_step(clone, "wf-1", 0), None)
    assert [s.index for s in cp.steps("wf-1")] == [0]
    cp.close()
    clone.close()


def test_lease_is_shared_across_checkpointer_objects(postgres_database: str) -> None:
    from hypergraph.exceptions import WorkflowBusyError

    first, second = PostgresCheckpointer(postgres_database), PostgresCheckpointer(postgres_database)
    lease = first.acquire_lease("wf-1", new_owner())
    other_host_owner = "another-host:1:abcd"  # a live owner elsewhere cannot be taken over
    with pytest.raises(WorkflowBusyError):
        second.acquire_lease("wf-1", other_host_owner)
    first.release_lease(lease)
    second.release_lease(second.acquire_lease("wf-1", other_host_owner))
    first.close()
    second.close()


def test_password_is_left_out_of_repr_and_errors() -> None:
    cp = PostgresCheckpointer("postgresql://ada:s3cret@127.0.0.1:1/nowhere")
    cp.connect_timeout = 1.0
    assert "s3cret" not in repr(cp)
    with pytest.raises(CheckpointStoreUnavailableError) as caught:
        cp.get_run("wf-1")
    assert "s3cret" not in str(caught.value)


def test_run_status_filter_reads_from_postgres(postgres_database: str) -> None:
    cp = PostgresCheckpointer(postgres_database)
    _new_run(cp, "wf-1")
    assert [r.id for r in cp.runs(status=WorkflowStatus.ACTIVE)] == ["wf-1"]
    assert cp.runs(status=WorkflowStatus.COMPLETED) == []
    assert cp.row_counts() == {"runs": 1, "steps": 0, "item_packs": 0, "leases": 0}
    cp.close()


def test_missing_extra_names_it() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from hypergraph import PostgresCheckpointer\n"
        "try:\n"
        "    PostgresCheckpointer('postgresql://localhost/db')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert 'pip install "hypergraph[postgres]"' in done.stdout, done.stderr
