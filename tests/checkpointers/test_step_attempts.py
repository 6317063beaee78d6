"""With a checkpointer, the attempts of a node with a retry policy are recorded with its step."""

from __future__ import annotations

import sqlite3

import pytest

from hypergraph import Graph, RetryPolicy, SqliteCheckpointer, SyncRunner, node
from hypergraph.checkpointers import StepAttempt, StepStatus
from hypergraph.checkpointers.postgres import SCHEMA_VERSION as POSTGRES_SCHEMA_VERSION
from hypergraph.checkpointers.sqlite import SCHEMA_VERSION as SQLITE_SCHEMA_VERSION


def flaky_graph(failures: int, max_attempts: int) -> tuple[Graph, list[int]]:
    calls: list[int] = []

    @node(
        output_name="y",
        retry=RetryPolicy(
            max_attempts=max_attempts, retry_on=[ValueError], initial_delay=0.01, jitter="none"
        ),
    )
    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) <= failures:
            raise ValueError(f"flaky {len(calls)}")
        return x + 1

    @node(output_name="z")
    def steady(y: int) -> int:
        return y * 2

    return Graph([flaky, steady]), calls


def test_retried_step_records_each_attempt_with_error_and_delay(make_checkpointer) -> None:
    cp = make_checkpointer(durability="sync")
    graph, calls = flaky_graph(failures=2, max_attempts=3)

    result = SyncRunner(checkpointer=cp).run(graph, x=1, workflow_id="wf-1")

    assert result["z"] == 4 and len(calls) == 3
    flaky, steady = cp.steps("wf-1")
    assert flaky.node_name == "flaky" and flaky.status is StepStatus.COMPLETED
    assert flaky.attempts == [
        StepAttempt(number=1, error="ValueError: flaky 1", delay=0.0),
        StepAttempt(number=2, error="ValueError: flaky 2", delay=0.01),
        StepAttempt(number=3, error=None, delay=0.02),
    ]
    assert steady.attempts == []  # no retry policy: nothing to record


def test_step_that_ran_out_of_attempts_records_all_of_them(make_checkpointer) -> None:
    cp = make_checkpointer(durability="sync")
    graph, calls = flaky_graph(failures=5, max_attempts=2)

    with pytest.raises(ValueError, match="flaky 2"):
        SyncRunner(checkpointer=cp).run(graph, x=1, workflow_id="wf-1")

    (failed,) = cp.steps("wf-1")
    assert failed.status is StepStatus.FAILED and failed.error == "ValueError: flaky 2"
    assert [(a.number, a.error) for a in failed.attempts] == [
        (1, "ValueError: flaky 1"),
        (2, "ValueError: flaky 2"),
    ]


def test_retry_from_a_failed_workflow_keeps_its_attempt_history(make_checkpointer) -> None:
    cp = make_checkpointer(durability="sync")
    graph, _calls = flaky_graph(failures=2, max_attempts=2)
    with pytest.raises(ValueError):
        SyncRunner(checkpointer=cp).run(graph, x=1, workflow_id="wf-1")

    SyncRunner(checkpointer=cp).run(graph, retry_from="wf-1", workflow_id="wf-1-retry")

    flaky = next(s for s in cp.steps("wf-1-retry") if s.node_name == "flaky")
    assert [(a.number, a.error) for a in flaky.attempts] == [(1, None)]  # third call succeeds
    assert len(cp.steps("wf-1")[0].attempts) == 2


def test_sqlite_file_of_the_previous_schema_is_migrated_in_place(tmp_path) -> None:
    path = tmp_path / "runs.db"
    graph, _calls = flaky_graph(failures=0, max_attempts=2)
    old = SqliteCheckpointer(path, durability="sync")
    SyncRunner(checkpointer=old).run(graph, x=1, workflow_id="old-1")
    old.close()
    with sqlite3.connect(path) as conn:  # as the previous release left the file
        conn.execute("ALTER TABLE steps DROP COLUMN attempts")
        conn.execute("DROP TABLE item_packs")
        conn.execute("UPDATE hypergraph_meta SET value = '1' WHERE key = 'schema_version'")

    cp = SqliteCheckpointer(path, durability="sync")
    assert [s.attempts for s in cp.steps("old-1")] == [[], []]
    graph, _calls = flaky_graph(failures=1, max_attempts=2)
    SyncRunner(checkpointer=cp).run(graph, x=1, workflow_id="new-1")

    assert [a.number for a in cp.steps("new-1")[0].attempts] == [1, 2]
    assert cp.get_run("old-1").status == "completed"
    with sqlite3.connect(path) as conn:
        (version,) = conn.execute(
            "SELECT value FROM hypergraph_meta WHERE key = 'schema_version'"
        ).fetchone()
    assert version == str(SQLITE_SCHEMA_VERSION)
    cp.close()


def test_postgres_database_of_the_previous_schema_is_migrated(postgres_database: str) -> None:
    import psycopg

    from hypergraph import PostgresCheckpointer

    graph, _calls = flaky_graph(failures=0, max_attempts=2)
    old = PostgresCheckpointer(postgres_database, durability="sync")
    SyncRunner(checkpointer=old).run(graph, x=1, workflow_id="old-1")
    old.close()
    with psycopg.connect(postgres_database, autocommit=True) as conn:  # the previous release
        conn.execute("ALTER TABLE hypergraph_steps DROP COLUMN attempts")
        conn.execute("DROP TABLE hypergraph_item_packs")
        conn.execute("UPDATE hypergraph_meta SET value = '1' WHERE key = 'schema_version'")

    cp = PostgresCheckpointer(postgres_database, durability="sync")
    assert [s.attempts for s in cp.steps("old-1")] == [[], []]
    graph, _calls = flaky_graph(failures=1, max_attempts=2)
    SyncRunner(checkpointer=cp).run(graph, x=1, workflow_id="new-1")

    assert [a.number for a in cp.steps("new-1")[0].attempts] == [1, 2]
    cp.close()
    with psycopg.connect(postgres_database) as conn:
        row = conn.execute(
            "SELECT value FROM hypergraph_meta WHERE key = 'schema_version'"
        ).fetchone()
    assert row == (str(POSTGRES_SCHEMA_VERSION),)
