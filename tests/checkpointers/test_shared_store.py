"""Backends whose store several processes open at once (a file, a server)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from hypergraph.checkpointers import WorkflowStatus

_WRITER = textwrap.dedent(
    """
    import sys, time
    from hypergraph.checkpointers import PostgresCheckpointer, SqliteCheckpointer, Run, StepRecord
    from hypergraph.checkpointers.base import WriteBatch, RunUpdate, new_owner, step_row
    backend, location, wf = sys.argv[1:4]
    if backend == "sqlite":
        cp = SqliteCheckpointer(location + "/runs.db")
    else:
        cp = PostgresCheckpointer(location)
    lease = cp.acquire_lease(wf, new_owner())
    cp._write(WriteBatch(new_runs=[(Run(id=wf, created_at=time.time()), b"{}")]), lease)
    for i in range(200):
        step = StepRecord(wf, i, "n", i, values={"i": i})
        cp._write(WriteBatch(steps=[step_row(step, cp.serializer.dumps(step.values))]), lease)
    cp._write(WriteBatch(updates=[RunUpdate(wf, "completed", 1.0, 200, 0, time.time())]), lease)
    cp.release_lease(lease)
    """
)


def test_two_processes_write_different_workflows_at_once(shared_store) -> None:
    backend, location = shared_store.backend, str(shared_store.location)
    cp = shared_store()
    cp.runs()  # creates the schema before both writers start
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, backend, location, wf], stderr=subprocess.PIPE
        )
        for wf in ("wf-a", "wf-b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    for wf in ("wf-a", "wf-b"):
        run = cp.get_run(wf)
        assert run is not None and run.status is WorkflowStatus.COMPLETED
        assert [s.values["i"] for s in cp.steps(wf)] == list(range(200))


def test_a_second_object_sees_what_the_first_wrote(shared_store) -> None:
    from hypergraph.checkpointers import Run
    from hypergraph.checkpointers.base import WriteBatch

    first, second = shared_store(), shared_store()
    first._write(WriteBatch(new_runs=[(Run(id="wf-1"), first.serializer.dumps({"x": 1}))]), None)
    assert second.inputs("wf-1") == {"x": 1}
