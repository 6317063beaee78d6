"""Durable runs from the command line: start, list, show, answer a pause and resume."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

Cli = Callable[..., subprocess.CompletedProcess[str]]


def test_paused_review_is_listed_shown_and_resumed_with_the_answer(
    hypergraph_cli: Cli, workdir: Path
) -> None:
    db = str(workdir / "runs.db")
    started = hypergraph_cli(
        "run", "flows:review_flow", "--input", "topic=owls", "--db", db, "--workflow-id", "wf-1"
    )
    assert started.returncode == 0, started.stderr
    assert "paused at 'review', waiting for 'verdict'" in started.stdout
    assert f"hypergraph runs resume wf-1 flows:review_flow --db {db} --answer verdict=" in (
        started.stdout
    )

    listed = hypergraph_cli("runs", "list", "--db", db, "--json")
    assert listed.returncode == 0, listed.stderr
    runs = json.loads(listed.stdout)
    assert [(r["id"], r["status"], r["graph_name"]) for r in runs] == [
        ("wf-1", "paused", "review_flow")
    ]

    table = hypergraph_cli("runs", "list", "--db", db, "--status", "paused")
    assert "wf-1" in table.stdout and "paused" in table.stdout and "review_flow" in table.stdout

    shown = hypergraph_cli("runs", "show", "wf-1", "--db", db, "--json")
    steps = json.loads(shown.stdout)["steps"]
    assert [(s["node_name"], s["status"]) for s in steps] == [
        ("write", "completed"),
        ("review", "paused"),
    ]
    assert steps[0]["values"] == {"draft": "a note on owls"}

    resumed = hypergraph_cli(
        "runs", "resume", "wf-1", "flows:review_flow", "--db", db, "--answer", "verdict=ok",
        "--json",
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    payload = json.loads(resumed.stdout)
    assert payload["status"] == "completed"
    assert payload["values"]["sent"] == "sent 'a note on owls' (ok)"

    after = json.loads(hypergraph_cli("runs", "list", "--db", db, "--json").stdout)
    assert after[0]["status"] == "completed"


def test_show_prints_steps_as_a_table(hypergraph_cli: Cli, workdir: Path) -> None:
    db = str(workdir / "runs.db")
    hypergraph_cli("run", "flows:arithmetic", "--input", "x=2", "--db", db, "--workflow-id", "a")
    shown = hypergraph_cli("runs", "show", "a", "--db", db)
    assert shown.returncode == 0, shown.stderr
    for text in ("double", "add", "completed", "doubled=4", "total=4"):
        assert text in shown.stdout


def test_generated_workflow_id_is_printed(hypergraph_cli: Cli, workdir: Path) -> None:
    db = str(workdir / "runs.db")
    done = hypergraph_cli("run", "flows:arithmetic", "--input", "x=2", "--db", db, "--json")
    workflow_id = json.loads(done.stdout)["workflow_id"]
    assert workflow_id.startswith("run-")
    assert json.loads(hypergraph_cli("runs", "list", "--db", db, "--json").stdout)[0]["id"] == (
        workflow_id
    )


def test_unknown_run_and_missing_database_are_clear(hypergraph_cli: Cli, workdir: Path) -> None:
    missing = hypergraph_cli("runs", "list", "--db", str(workdir / "nope.db"))
    assert missing.returncode == 1
    assert "no database at" in missing.stderr
    db = str(workdir / "runs.db")
    hypergraph_cli("run", "flows:arithmetic", "--input", "x=2", "--db", db, "--workflow-id", "a")
    unknown = hypergraph_cli("runs", "show", "zzz", "--db", db)
    assert unknown.returncode == 1
    assert "no run 'zzz'" in unknown.stderr and "runs list" in unknown.stderr


def test_completed_workflow_is_not_rerun(hypergraph_cli: Cli, workdir: Path) -> None:
    db = str(workdir / "runs.db")
    hypergraph_cli("run", "flows:arithmetic", "--input", "x=2", "--db", db, "--workflow-id", "a")
    again = hypergraph_cli(
        "run", "flows:arithmetic", "--input", "x=2", "--db", db, "--workflow-id", "a"
    )
    assert again.returncode == 1
    assert "WorkflowAlreadyCompletedError" in again.stderr


def test_runs_live_in_postgres_too(hypergraph_cli: Cli, postgres_database: str) -> None:
    started = hypergraph_cli(
        "run", "flows:review_flow", "--input", "topic=owls", "--db", postgres_database,
        "--workflow-id", "wf-pg",
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    resumed = hypergraph_cli(
        "runs", "resume", "wf-pg", "flows:review_flow", "--db", postgres_database,
        "--answer", "verdict=fine", "--json",
    )  # fmt: skip
    assert json.loads(resumed.stdout)["values"]["sent"] == "sent 'a note on owls' (fine)"
    listed = json.loads(hypergraph_cli("runs", "list", "--db", postgres_database, "--json").stdout)
    assert [(r["id"], r["status"]) for r in listed] == [("wf-pg", "completed")]


def test_show_names_the_failed_items_of_a_map(hypergraph_cli: Cli, workdir: Path) -> None:
    from hypergraph import Graph, SqliteCheckpointer, SyncRunner, node

    @node(output_name="y")
    def parse(text: str, strict: bool) -> int:
        return int(text)

    db = workdir / "runs.db"
    checkpointer = SqliteCheckpointer(db)
    SyncRunner(checkpointer=checkpointer).map(
        Graph([parse], name="parser"), {"text": ["1", "two", "3", "four"], "strict": True},
        map_over="text", workflow_id="batch", error_handling="continue",
    )  # fmt: skip
    checkpointer.close()

    shown = hypergraph_cli("runs", "show", "batch", "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    assert "failed items" in shown.stdout
    rows = [line for line in shown.stdout.splitlines() if "invalid literal" in line]
    assert len(rows) == 2
    assert "1" in rows[0] and "text='two'" in rows[0] and "parse" in rows[0]
    assert "strict" not in shown.stdout  # the same for every item: not what varies
    payload = json.loads(hypergraph_cli("runs", "show", "batch", "--db", str(db), "--json").stdout)
    assert [(i["index"], i["inputs"], i["node"]) for i in payload["failed_items"]] == [
        (1, {"text": "two"}, "parse"),
        (3, {"text": "four"}, "parse"),
    ]
    assert payload["failed_items"][0]["error"].startswith("ValueError: invalid literal")


def test_show_of_a_map_counts_its_items_by_status(hypergraph_cli: Cli, workdir: Path) -> None:
    from hypergraph import Graph, SqliteCheckpointer, SyncRunner, node

    @node(output_name="y")
    def parse(text: str) -> int:
        return int(text)

    db = workdir / "runs.db"
    checkpointer = SqliteCheckpointer(db)
    SyncRunner(checkpointer=checkpointer).map(
        Graph([parse], name="parser"), {"text": ["1", "2", "three"]},
        map_over="text", workflow_id="batch", error_handling="continue",
    )  # fmt: skip
    checkpointer.close()

    shown = hypergraph_cli("runs", "show", "batch", "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    assert "map items: 3 (2 completed, 1 failed)" in shown.stdout
    assert f"hypergraph runs show batch/0 --db {db}" in shown.stdout
    assert "steps" not in shown.stdout  # a map run has no steps of its own: no empty table
    payload = json.loads(hypergraph_cli("runs", "show", "batch", "--db", str(db), "--json").stdout)
    assert payload["items"] == {"completed": 2, "failed": 1}
    single = hypergraph_cli("runs", "show", "batch/2", "--db", str(db), "--json")
    assert json.loads(single.stdout)["items"] == {}
