"""A running workflow keeps its lease however long a node takes; a dead owner's lease expires.

The lease is made short (``lease_seconds``) so that a node outlasting it several times is quick
to write; the heartbeat renews it every third of that.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hypergraph import AsyncRunner, Graph, SyncRunner, WorkflowBusyError, node

WORKER = Path(__file__).with_name("_lease_worker.py")
LEASE = 0.6  # seconds


def takeover_attempt(make) -> str:
    """Try to run workflow ``"long-1"`` from a second checkpointer object on the same store
    (with a graph of the same shape as the owner's, so a takeover resumes it)."""
    other = make(durability="sync")

    @node(output_name="y")
    def slow(x: int) -> int:
        return x

    try:
        result = SyncRunner(checkpointer=other).run(Graph([slow]), x=1, workflow_id="long-1")
    except WorkflowBusyError:
        return "refused"
    assert result["y"] == 1
    return "taken over"


@pytest.mark.parametrize("durability", ["sync", "async"])  # async: the writer renews it
def test_node_outlasting_the_lease_keeps_the_workflow(shared_store, durability: str) -> None:
    cp = shared_store(durability=durability)
    cp.lease_seconds = LEASE
    seen: list[str] = []

    @node(output_name="y")
    def slow(x: int) -> int:
        time.sleep(LEASE * 3)  # three lease lengths without a single step written
        seen.append(takeover_attempt(shared_store))
        return x + 1

    result = SyncRunner(checkpointer=cp).run(Graph([slow]), x=1, workflow_id="long-1")

    assert seen == ["refused"]
    assert result["y"] == 2 and result.checkpoint_ok
    assert cp.get_run("long-1").status == "completed"


def test_async_run_blocked_by_a_sync_node_keeps_the_workflow(shared_store) -> None:
    cp = shared_store()  # async durability: writes go through the background writer
    cp.lease_seconds = LEASE
    seen: list[str] = []

    @node(output_name="y")
    def blocking(x: int) -> int:  # a sync node on the event loop: no task could run meanwhile
        time.sleep(LEASE * 3)
        seen.append(takeover_attempt(shared_store))
        return x + 1

    runner = AsyncRunner(checkpointer=cp)
    result = asyncio.run(runner.run(Graph([blocking]), x=1, workflow_id="long-1"))

    assert seen == ["refused"]
    assert result["y"] == 2 and result.checkpoint_ok
    assert cp.get_run("long-1").status == "completed"


def test_killed_owner_lease_expires_and_the_workflow_resumes(shared_store) -> None:
    location = str(shared_store.location)
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), shared_store.backend, location, str(LEASE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "started", proc.stderr
        time.sleep(LEASE * 3)
        assert takeover_attempt(shared_store) == "refused"  # the heartbeat renewed it
    finally:
        proc.kill()
        proc.communicate(timeout=30)

    deadline = time.monotonic() + LEASE * 10
    outcome = takeover_attempt(shared_store)
    while outcome == "refused" and time.monotonic() < deadline:
        time.sleep(LEASE / 4)
        outcome = takeover_attempt(shared_store)
    assert outcome == "taken over"  # no heartbeat outlives its process


@pytest.mark.parametrize("durability", ["sync", "async"])
def test_heartbeat_stops_with_the_run(shared_store, durability: str) -> None:
    cp = shared_store(durability=durability)
    cp.lease_seconds = LEASE

    @node(output_name="y")
    def quick(x: int) -> int:
        return x

    SyncRunner(checkpointer=cp).run(Graph([quick]), x=1, workflow_id="short-1")
    names = [t.name for t in threading.enumerate()]
    assert "hypergraph-lease-short-1" not in names
