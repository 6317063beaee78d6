"""DaskRunner maps recorded in a shared store: killed workers and killed clients lose nothing.

The workers record each finished item (child run ``"batch-7/<i>"``) straight into SQLite or
PostgreSQL. Each item's node body appends a line to a file (its side effect), so the tests count
how often every item ran: items recorded before a kill run exactly once.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from hypergraph import DaskRunner, MemoryCheckpointer, WorkflowAlreadyCompletedError
from hypergraph.checkpointers import Checkpoint, StepStatus, WorkflowStatus
from hypergraph.checkpointers.base import new_owner
from hypergraph.events import EventProcessor, NodeEndEvent, RunStartEvent

from ._dask_items import BLOCKABLE, ITEMS, TWO_STEPS, WORKFLOW, effect_counts

distributed = pytest.importorskip("distributed")

SCRIPT = Path(__file__).with_name("_dask_items.py")


def values(effects: Path, count: int, doomed: int = -1, pause: float = 0.0) -> dict:
    return {"x": list(range(count)), "effects": str(effects), "doomed": doomed, "pause": pause}


def completed_items(checkpointer, count: int) -> set[int]:
    done = set()
    for x in range(count):
        run = checkpointer.get_run(f"{WORKFLOW}/{x}")
        if run is not None and run.status is WorkflowStatus.COMPLETED:
            done.add(x)
    return done


def recorded_steps(checkpointer, count: int) -> set[int]:
    """Items whose node step was stored completed (their run may not say COMPLETED yet)."""
    return {
        x for x in range(count)
        if any(s.status is StepStatus.COMPLETED for s in checkpointer.steps(f"{WORKFLOW}/{x}"))
    }  # fmt: skip


def settled_store(checkpointer, count: int) -> tuple[set[int], set[int]]:
    """The items a resume will find completed, and those with a stored step, once no write of
    the killed client can land any more.

    A COMMIT the client sent just before it died may still be applied by the server after the
    kill. Taking the map's lease over (as the resuming client does) waits for any transaction
    that renewed it, which every item write does first, and fences out the rest.
    """
    lease = checkpointer.acquire_lease(WORKFLOW, new_owner())
    try:
        return completed_items(checkpointer, count), recorded_steps(checkpointer, count)
    finally:
        checkpointer.release_lease(lease)


def test_killed_worker_reruns_only_its_unfinished_items(dask_client, shared_store, tmp_path):
    checkpointer = shared_store(durability="sync")
    effects = tmp_path / "effects"
    effects.mkdir()
    runner = DaskRunner(client=dask_client, checkpointer=checkpointer, chunk_size=4)
    # Item 2 kills the worker running chunk 0..3 after items 0 and 1 were recorded; Dask
    # re-runs the chunk on another worker, which restores 0 and 1 from the store.
    results = runner.map(ITEMS, values(effects, 12, doomed=2), map_over="x", workflow_id=WORKFLOW)

    assert [r["y"] for r in results] == [x * 10 for x in range(12)]
    assert (effects / "killed-2").exists()  # the worker really died once
    assert effect_counts(effects, 12) == [1] * 12
    # 0 and 1 come back restored (so may finished chunks whose results the dead worker held,
    # which Dask recomputes: they are restored too, never run twice).
    assert results[0].restored and results[1].restored
    assert checkpointer.get_run(WORKFLOW).status is WorkflowStatus.COMPLETED
    assert completed_items(checkpointer, 12) == set(range(12))


def test_killed_client_resumes_with_finished_items_restored(dask_client, shared_store, tmp_path):
    effects = tmp_path / "effects"
    effects.mkdir()
    count = 16
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), shared_store.backend, str(shared_store.location),
         str(effects), str(count)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    watcher = shared_store()
    try:
        deadline = time.monotonic() + 90
        while len(completed_items(watcher, count)) < 4:
            assert proc.poll() is None, f"client exited early: {proc.communicate()}"
            assert time.monotonic() < deadline, "the client never recorded 4 items"
            time.sleep(0.05)
    finally:
        proc.kill()  # SIGKILL: the client and its in-process cluster die at once
        proc.wait(timeout=30)
    finished, stepped = settled_store(watcher, count)
    # An item killed between its step's write and its run's completion (in ``stepped``, not in
    # ``finished``) is resumed: its step is restored, so its body does not run again, but the
    # item is not a restored result.
    before = effect_counts(effects, count)
    assert 4 <= len(finished) < count
    assert finished <= stepped
    assert all(before[x] == 1 for x in stepped)

    checkpointer = shared_store(durability="sync")
    runner = DaskRunner(client=dask_client, checkpointer=checkpointer, chunk_size=2)
    same = values(effects, count, pause=0.3)  # the inputs the killed client passed
    results = runner.map(ITEMS, same, map_over="x", workflow_id=WORKFLOW)

    assert [r["y"] for r in results] == [x * 10 for x in range(count)]
    assert {x for x, r in enumerate(results) if r.restored} == finished
    after = effect_counts(effects, count)
    assert all(after[x] == 1 for x in stepped)  # recorded steps never ran again
    assert all(after[x] >= 1 for x in range(count))  # nothing lost
    # At most the two items running when the client died ran twice (at-least-once for them):
    # those whose body ran but whose step was not stored yet.
    assert sum(after) - count <= 2
    assert [x for x in range(count) if after[x] == 2] == [
        x for x in range(count) if before[x] == 1 and x not in stepped
    ]
    assert checkpointer.get_run(WORKFLOW).status is WorkflowStatus.COMPLETED
    with pytest.raises(WorkflowAlreadyCompletedError):
        runner.map(ITEMS, same, map_over="x", workflow_id=WORKFLOW)


def test_resumed_map_reports_restored_items_under_its_full_size(
    dask_client, shared_store, tmp_path
):
    checkpointer = shared_store(durability="sync")
    effects = tmp_path / "effects"
    effects.mkdir()
    (effects / "block-3").touch()
    runner = DaskRunner(client=dask_client, checkpointer=checkpointer, chunk_size=2)
    inputs = {"x": list(range(6)), "effects": str(effects)}
    first = runner.map(BLOCKABLE, inputs, map_over="x", workflow_id="b", error_handling="continue")
    assert [r.status.value for r in first].count("failed") == 1
    (effects / "block-3").unlink()

    class Recorder(EventProcessor):
        def __init__(self) -> None:
            self.events: list = []

        def on_event(self, event) -> None:
            self.events.append(event)

    recorder = Recorder()
    results = runner.map(
        BLOCKABLE, inputs, map_over="x", workflow_id="b", event_processors=[recorder]
    )
    assert [r.restored for r in results] == [True, True, True, False, True, True]
    assert effect_counts(effects, 6) == [1] * 6
    (map_start,) = [e for e in recorder.events if isinstance(e, RunStartEvent) and e.is_map]
    assert map_start.map_size == 6  # the restored items count towards the total
    items = [
        e for e in recorder.events
        if isinstance(e, RunStartEvent) and e.parent_span_id == map_start.span_id
    ]  # fmt: skip
    assert len(items) == 6
    ends = [e.restored for e in recorder.events if isinstance(e, NodeEndEvent)]
    assert sorted(ends) == [False] + [True] * 5


def test_run_on_a_worker_resumes_a_recorded_workflow(dask_client, shared_store, tmp_path):
    checkpointer = shared_store(durability="sync")
    effects = tmp_path / "effects"
    effects.mkdir()
    runner = DaskRunner(client=dask_client, checkpointer=checkpointer)
    inputs = {"x": 4, "effects": str(effects), "doomed": -1, "pause": 0.0}
    result = runner.run(ITEMS, inputs, workflow_id="single")
    assert result["y"] == 40 and result.workflow_id == "single"
    assert checkpointer.get_run("single").status is WorkflowStatus.COMPLETED
    with pytest.raises(WorkflowAlreadyCompletedError):
        runner.run(ITEMS, workflow_id="single")  # resumes need no inputs; this one is done
    assert effect_counts(effects, 5)[4] == 1


def test_memory_checkpointer_is_refused_with_the_stores_that_work():
    with pytest.raises(ValueError, match="PostgresCheckpointer"):
        DaskRunner(checkpointer=MemoryCheckpointer())


def test_run_on_a_worker_retries_and_forks_recorded_workflows(dask_client, shared_store, tmp_path):
    checkpointer = shared_store(durability="sync")
    effects = tmp_path / "effects"
    effects.mkdir()
    (effects / "block").touch()
    runner = DaskRunner(client=dask_client, checkpointer=checkpointer)
    with pytest.raises(RuntimeError, match="shifted is blocked"):
        runner.run(TWO_STEPS, x=1, effects=str(effects), workflow_id="first")
    (effects / "block").unlink()

    retried = runner.run(TWO_STEPS, retry_from="first", workflow_id="retried")
    assert retried["z"] == 10
    run = checkpointer.get_run("retried")
    assert (run.retry_of, run.status) == ("first", WorkflowStatus.COMPLETED)

    forked = runner.run(TWO_STEPS, {"offset": 5}, fork_from="retried", workflow_id="forked")
    assert forked["z"] == 15 and checkpointer.get_run("forked").forked_from == "retried"

    at_first_step = checkpointer.checkpoint("retried", superstep=0)
    again = runner.run(TWO_STEPS, checkpoint=at_first_step, workflow_id="from-checkpoint")
    assert again["z"] == 10 and checkpointer.get_run("from-checkpoint").forked_from == "retried"
    assert effect_counts(effects, 2) == [0, 1]  # 'counted' ran once; every later run restored it


@pytest.mark.parametrize("option", ["checkpoint", "fork_from", "retry_from", "workflow_id"])
def test_durable_options_without_a_checkpointer_are_refused_naming_the_option(option, tmp_path):
    value = Checkpoint({}, [], "wf-1", None) if option == "checkpoint" else "wf-1"
    inputs = {"x": 1, "effects": str(tmp_path)}
    with DaskRunner(n_workers=1, processes=False) as runner:  # its cluster starts on first use
        with pytest.raises(
            ValueError, match=rf"^{option} need\(s\) a checkpointer.*SqliteCheckpointer"
        ):
            runner.run(TWO_STEPS, inputs, **{option: value})
        if option == "workflow_id":  # map's one durable option
            with pytest.raises(ValueError, match="^workflow_id need"):
                runner.map(TWO_STEPS, {**inputs, "x": [1, 2]}, map_over="x", workflow_id=value)
        assert "not started" in repr(runner)  # refused before anything was shipped
    assert list(tmp_path.iterdir()) == []
