"""Retention on a shared store: "latest" and "windowed" keep the tables bounded however long a
loop runs (row counts from the store itself), and two processes looping on different workflows
at once make progress side by side."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from hypergraph import END, Graph, SyncRunner, node, route
from hypergraph.checkpointers import CheckpointPolicy, WorkflowStatus


def loop(limit: int, pause: float = 0.0) -> Graph:
    @node(output_name="count")
    def step(count: int) -> int:
        if pause:
            time.sleep(pause)  # gives the CPU away, so two loopers on a busy machine overlap
        return count + 1

    @route(targets=["step", END])
    def again(count: int) -> object:
        return "step" if count < limit else END

    return Graph([step, again], name="loop")


def step_rows_after(shared_store, policy: CheckpointPolicy, limit: int, workflow_id: str) -> int:
    cp = shared_store(policy=policy)
    before = cp.row_counts()["steps"]
    result = SyncRunner(checkpointer=cp).run(loop(limit), count=0, workflow_id=workflow_id)
    assert result["count"] == limit
    return cp.row_counts()["steps"] - before


@pytest.mark.parametrize(
    ("policy", "bound"),
    [
        (CheckpointPolicy(durability="sync", retention="latest"), 2),
        (CheckpointPolicy(durability="async", retention="latest"), 2),
        (CheckpointPolicy(durability="sync", retention="windowed", window=3), 3),
        (CheckpointPolicy(durability="async", retention="windowed", window=3), 3),
    ],
    ids=["latest-sync", "latest-async", "windowed-sync", "windowed-async"],
)
def test_bounded_retention_keeps_step_rows_flat_over_a_long_loop(shared_store, policy, bound):
    short = step_rows_after(shared_store, policy, 20, "short")
    long = step_rows_after(shared_store, policy, 150, "long")  # 300 supersteps
    assert short == long <= bound
    cp = shared_store()
    assert cp.row_counts()["runs"] == 2 and cp.row_counts()["leases"] == 0


def test_full_retention_keeps_every_step(shared_store):
    full = CheckpointPolicy(durability="sync", retention="full")
    # One row per step call and per gate decision: 20 steps, 21 decisions (the last says END).
    assert step_rows_after(shared_store, full, 20, "short") == 41
    assert step_rows_after(shared_store, full, 200, "long") == 401


_LOOPER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[4])
    from conftest import open_checkpointer
    from test_retention_growth import loop
    from hypergraph import SyncRunner
    backend, location, wf, _, gate = sys.argv[1:6]
    cp = open_checkpointer(backend, location, durability="sync")
    cp.runs()
    (Path(gate) / f"ready-{wf}").touch()
    deadline = time.monotonic() + 60
    while not (Path(gate) / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # both start looping at once, whatever their start-up took
    SyncRunner(checkpointer=cp).run(loop(150, pause=0.002), count=0, workflow_id=wf)
    """
)


def test_two_processes_loop_on_different_workflows_side_by_side(shared_store, tmp_path):
    from pathlib import Path

    here = str(Path(__file__).parent)
    cp = shared_store()
    cp.runs()  # the schema exists before both processes start
    args = [shared_store.backend, str(shared_store.location)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _LOOPER, *args, wf, here, str(tmp_path)],
            stderr=subprocess.PIPE,
        )
        for wf in ("wf-a", "wf-b")
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{wf}").exists() for wf in ("wf-a", "wf-b")):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    (tmp_path / "go").touch()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    spans = {}
    for wf in ("wf-a", "wf-b"):
        assert cp.get_run(wf).status is WorkflowStatus.COMPLETED
        times = [s.completed_at for s in cp.steps(wf)]
        assert len(times) == 301  # every step of both workflows was written
        spans[wf] = (min(times), max(times))
    # Neither waited for the other to finish: their writes interleave in time.
    (a0, a1), (b0, b1) = spans["wf-a"], spans["wf-b"]
    assert max(a0, b0) < min(a1, b1)
    a = sorted(s.completed_at for s in cp.steps("wf-a"))
    inside = [t for t in a if b0 < t < b1]
    # How many land inside depends on the OS scheduler (a loaded machine runs one process in
    # long slices), so only the interleaving itself is asserted.
    assert inside
