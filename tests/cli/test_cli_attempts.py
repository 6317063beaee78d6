"""``hypergraph runs show`` shows the attempts recorded with a retried step."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from hypergraph import Graph, RetryPolicy, SqliteCheckpointer, SyncRunner, node

Cli = Callable[..., subprocess.CompletedProcess[str]]


def record_flaky_run(db: Path) -> None:
    failures = iter(["timed out", "HTTP 503"])

    @node(output_name="reply", retry=RetryPolicy(3, retry_on=[ConnectionError], initial_delay=0))
    def call_api(prompt: str) -> str:
        message = next(failures, None)
        if message is not None:
            raise ConnectionError(message)
        return prompt.upper()

    cp = SqliteCheckpointer(db, durability="sync")
    SyncRunner(checkpointer=cp).run(Graph([call_api]), prompt="hi", workflow_id="wf-retry")
    cp.close()


def test_show_lists_each_attempt_of_a_retried_step(hypergraph_cli: Cli, workdir: Path) -> None:
    db = workdir / "runs.db"
    record_flaky_run(db)

    table = hypergraph_cli("runs", "show", "wf-retry", "--db", str(db))
    assert table.returncode == 0, table.stderr
    assert "attempts" in table.stdout
    assert "3 (2 failed)" in table.stdout
    assert "#1 ConnectionError: timed out" in table.stdout
    assert "#2 ConnectionError: HTTP 503" in table.stdout

    shown = hypergraph_cli("runs", "show", "wf-retry", "--db", str(db), "--json")
    (step,) = json.loads(shown.stdout)["steps"]
    assert step["attempts"] == [
        {"number": 1, "error": "ConnectionError: timed out", "delay": 0.0},
        {"number": 2, "error": "ConnectionError: HTTP 503", "delay": 0.0},
        {"number": 3, "error": None, "delay": 0.0},
    ]
