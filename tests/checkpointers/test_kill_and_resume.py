"""SIGKILL a real process mid-run, mid-pause and mid-map; a new process resumes the workflow.

Every node that finished before the kill has its side effect exactly once; the result equals
an uninterrupted run. Runs on every backend several processes can share.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

WORKER = Path(__file__).with_name("_kill_worker.py")


def start(scenario: str, store, log: Path, *extra: str, hang_at: str | None = None):
    env = {k: v for k, v in os.environ.items() if k != "HANG_AT"}
    if hang_at is not None:
        env["HANG_AT"] = hang_at
    args = [sys.executable, str(WORKER), scenario, store.backend, str(store.location), str(log)]
    return subprocess.Popen(
        [*args, *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for(log: Path, line: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and line in log.read_text().splitlines():
            return
        if proc.poll() is not None:
            raise AssertionError(f"worker exited early: {proc.communicate()}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"{line!r} never appeared in {log}")


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)  # reaped: the pid is gone, so its lease can be taken over at once


def finish(scenario: str, store, log: Path, *extra: str):
    proc = start(scenario, store, log, *extra)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def done_counts(log: Path) -> Counter[str]:
    return Counter(
        line.split()[1] for line in log.read_text().splitlines() if line.startswith("done")
    )


def test_killed_mid_run_resumes_without_redoing_finished_nodes(shared_store, tmp_path) -> None:
    log = tmp_path / "effects.log"
    proc = start("run", shared_store, log, hang_at="third")
    wait_for(log, "hang third", proc)
    kill(proc)
    assert done_counts(log) == Counter({"first": 1, "second": 1})

    result = finish("run", shared_store, log)
    assert result == {"a": 5, "b": 10, "c": 13, "d": 65}  # as uninterrupted: x=4
    assert done_counts(log) == Counter({"first": 1, "second": 1, "third": 1, "fourth": 1})
    run = shared_store().get_run("chain-1")
    assert run.status == "completed"


def test_killed_while_paused_resumes_from_a_new_process(shared_store, tmp_path) -> None:
    log = tmp_path / "effects.log"
    proc = start("pause", shared_store, log, hang_at="waiting")
    wait_for(log, "hang waiting", proc)
    kill(proc)
    draft = shared_store().state("r-1")["draft"]

    result = finish("pause", shared_store, log, "approved")
    assert result["sent"] == f"approved: {draft}"  # the very draft that was reviewed
    assert done_counts(log) == Counter({"write": 1, "send": 1})


def test_killed_mid_map_restores_finished_items(shared_store, tmp_path) -> None:
    log = tmp_path / "effects.log"
    proc = start("map", shared_store, log, hang_at="square7")
    wait_for(log, "hang square7", proc)
    kill(proc)
    assert done_counts(log) == Counter({f"square{i}": 1 for i in range(7)})

    results = finish("map", shared_store, log)
    assert results == [[i * i, i < 7] for i in range(12)]
    assert done_counts(log) == Counter({f"square{i}": 1 for i in range(12)})


def test_killed_mid_async_map_restores_every_item_the_writer_stored(shared_store, tmp_path):
    """Under "async" durability items are stored a moment after they finish: once the store
    holds the first seven, a kill loses none of them."""
    log = tmp_path / "effects.log"
    proc = start("async-map", shared_store, log, hang_at="square7")
    wait_for(log, "hang square7", proc)
    store = shared_store()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and store.get_run("batch-7/6") is None:
        time.sleep(0.05)
    kill(proc)
    assert [store.get_run(f"batch-7/{i}").status for i in range(7)] == ["completed"] * 7
    assert store.get_run("batch-7/7") is None
    assert done_counts(log) == Counter({f"square{i}": 1 for i in range(7)})

    results = finish("async-map", shared_store, log)
    assert results == [[i * i, i < 7] for i in range(12)]
    assert done_counts(log) == Counter({f"square{i}": 1 for i in range(12)})
    assert [step.values for step in store.steps("batch-7/5")] == [{"y": 25}]


def test_killed_mid_nested_map_restores_finished_items(shared_store, tmp_path) -> None:
    log = tmp_path / "effects.log"
    proc = start("nested-map", shared_store, log, hang_at="square7")
    wait_for(log, "hang square7", proc)
    kill(proc)
    assert done_counts(log) == Counter({f"square{i}": 1 for i in range(7)})

    result = finish("nested-map", shared_store, log)
    assert result == {"y": [i * i for i in range(12)], "total": sum(i * i for i in range(12))}
    expected = Counter({f"square{i}": 1 for i in range(12)})
    expected["add_up"] = 1
    assert done_counts(log) == expected
