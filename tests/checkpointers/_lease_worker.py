"""A process that holds a workflow's lease through a long node, for the heartbeat tests.

Usage: ``_lease_worker.py BACKEND LOCATION LEASE_SECONDS``. It runs workflow ``"long-1"`` whose
node prints ``started`` and then sleeps for a minute (the test kills it meanwhile). Its lease
owner claims another host, so a takeover can only come from the lease expiring, never from
noticing that this process died.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import hypergraph.checkpointers.base as checkpointer_base  # noqa: E402
from conftest import open_checkpointer  # noqa: E402
from hypergraph import Graph, SyncRunner, node  # noqa: E402

checkpointer_base._HOST = "another-host"  # as if this process ran on another machine


@node(output_name="y")
def slow(x: int) -> int:
    print("started", flush=True)
    time.sleep(60)
    return x


if __name__ == "__main__":
    backend, location, lease_seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    cp = open_checkpointer(backend, location, durability="sync")
    cp.lease_seconds = lease_seconds
    SyncRunner(checkpointer=cp).run(Graph([slow]), x=1, workflow_id="long-1")
