"""The commands: ``run``, ``runs list``, ``runs show`` and ``runs resume``."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from hypergraph.cli.items import failed_items, item_counts, item_runs
from hypergraph.cli.render import (
    as_json,
    item_table,
    print_table,
    run_table,
    short,
    step_table,
    to_plain,
)
from hypergraph.cli.stores import open_checkpointer
from hypergraph.cli.targets import BadTarget, load_graph, parse_assignments

if TYPE_CHECKING:
    from hypergraph.checkpointers import Checkpointer
    from hypergraph.graph import Graph
    from hypergraph.runners import RunResult

__all__ = ["build_app"]

_DB_HELP = "Where runs are recorded: a SQLite file path or a postgresql:// URL."


@contextmanager
def _checkpointer(db: str, *, must_exist: bool) -> Iterator[Checkpointer]:
    try:
        checkpointer = open_checkpointer(db, must_exist=must_exist)
    except (FileNotFoundError, ImportError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield checkpointer
    finally:
        checkpointer.close()


def _graph(reference: str) -> Graph:
    try:
        return load_graph(reference)
    except BadTarget as exc:
        raise click.BadParameter(str(exc), param_hint="'MODULE:GRAPH'") from None


def _assignments(pairs: tuple[str, ...], option: str) -> dict[str, Any]:
    try:
        return parse_assignments(pairs, option=option)
    except BadTarget as exc:
        raise click.BadParameter(str(exc), param_hint=f"'{option}'") from None


def _execute(
    graph: Graph,
    values: dict[str, Any],
    checkpointer: Checkpointer | None,
    workflow_id: str | None,
) -> RunResult:
    from hypergraph.runners.async_ import AsyncRunner

    runner = AsyncRunner(checkpointer=checkpointer) if checkpointer else AsyncRunner()
    options: dict[str, Any] = {"error_handling": "continue"}
    if workflow_id is not None:
        options["workflow_id"] = workflow_id
    try:
        return asyncio.run(runner.run(graph, values, **options))
    except Exception as exc:  # raised before any node ran: a user mistake, shown as such
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from None


def _report(result: RunResult, *, reference: str, db: str | None, as_json_output: bool) -> None:
    if as_json_output:
        payload: dict[str, Any] = {
            "status": to_plain(result.status),
            "workflow_id": result.workflow_id,
            "run_id": result.run_id,
            "values": to_plain(dict(result.values)),
            "error": to_plain(result.error),
            "pause": None,
        }
        if result.pause is not None:
            payload["pause"] = {
                "node_name": result.pause.node_name,
                "response_key": result.pause.response_key,
                "value": to_plain(result.pause.value),
            }
        click.echo(as_json(payload))
    else:
        status = to_plain(result.status)
        click.echo(f"status: {status}")
        if result.workflow_id:
            click.echo(f"workflow: {result.workflow_id}")
        for name, value in result.values.items():
            click.echo(f"  {name} = {short(value)}")
        if result.error is not None:
            click.echo(f"error: {type(result.error).__name__}: {result.error}")
        if result.pause is not None:
            pause = result.pause
            click.echo(f"paused at {pause.node_name!r}, waiting for {pause.response_key!r}")
            click.echo(f"  it shows: {short(pause.value)}")
            if result.workflow_id and db:
                click.echo(
                    f"answer with: hypergraph runs resume {result.workflow_id} {reference} "
                    f"--db {db} --answer {pause.response_key}=..."
                )
    if str(to_plain(result.status)) == "failed":
        sys.exit(1)


def build_app() -> click.Group:
    """The ``hypergraph`` command group."""

    @click.group(help="Run hypergraph workflows and inspect durable runs.")
    @click.version_option(package_name="hypergraph")
    def app() -> None:
        pass

    @app.command("run", help="Run the graph MODULE:GRAPH once and print its outputs.")
    @click.argument("reference", metavar="MODULE:GRAPH")
    @click.option("--input", "inputs", multiple=True, metavar="KEY=VALUE", help="An input value (JSON or text); repeat for more.")  # fmt: skip
    @click.option("--db", default=None, help=_DB_HELP + " Makes the run durable.")
    @click.option("--workflow-id", default=None, help="Name the durable run (needs --db).")
    @click.option("--json", "json_output", is_flag=True, help="Print JSON instead of text.")
    def run_command(
        reference: str, inputs: tuple[str, ...], db: str | None, workflow_id: str | None,
        json_output: bool,
    ) -> None:  # fmt: skip
        if workflow_id is not None and db is None:
            raise click.UsageError("--workflow-id records the run, so it needs --db")
        graph = _graph(reference)
        values = _assignments(inputs, "--input")
        if db is None:
            result = _execute(graph, values, None, None)
        else:
            with _checkpointer(db, must_exist=False) as checkpointer:
                result = _execute(graph, values, checkpointer, workflow_id)
        _report(result, reference=reference, db=db, as_json_output=json_output)

    @app.group("runs", help="Inspect, answer and resume recorded runs.")
    def runs() -> None:
        pass

    @runs.command("list", help="List recorded runs, newest first.")
    @click.option("--db", required=True, help=_DB_HELP)
    @click.option("--status", default=None, help="Only runs with this status (e.g. paused).")
    @click.option("--graph", "graph_name", default=None, help="Only runs of this graph.")
    @click.option("--since", default=None, metavar="ISO-TIME", help="Only runs started at or after this time.")  # fmt: skip
    @click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1))
    @click.option("--json", "json_output", is_flag=True, help="Print JSON instead of a table.")
    def runs_list(
        db: str, status: str | None, graph_name: str | None, since: str | None, limit: int,
        json_output: bool,
    ) -> None:  # fmt: skip
        since_time = None
        if since is not None:
            try:
                since_time = dt.datetime.fromisoformat(since).timestamp()
            except ValueError:
                raise click.BadParameter(
                    f"{since!r} is not an ISO time (e.g. 2026-11-29 or 2026-11-29T08:00)",
                    param_hint="'--since'",
                ) from None
        with _checkpointer(db, must_exist=True) as checkpointer:
            try:
                found = checkpointer.runs(
                    status=status, graph_name=graph_name, since=since_time, limit=limit
                )
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="'--status'") from None
        if json_output:
            click.echo(as_json(found))
        else:
            print_table(run_table(found))

    @runs.command("show", help="Show one run: its steps, decisions, errors and values.")
    @click.argument("run_id")
    @click.option("--db", required=True, help=_DB_HELP)
    @click.option("--json", "json_output", is_flag=True, help="Print JSON instead of tables.")
    def runs_show(run_id: str, db: str, json_output: bool) -> None:
        with _checkpointer(db, must_exist=True) as checkpointer:
            run = checkpointer.get_run(run_id)
            if run is None:
                raise click.ClickException(
                    f"no run {run_id!r} in {db}: 'hypergraph runs list --db {db}' lists them"
                )
            steps = checkpointer.steps(run_id)
            items = item_runs(checkpointer, run_id)
            failed = failed_items(checkpointer, run_id, items)
        counts = item_counts(items)
        if json_output:
            payload = {"run": run, "steps": steps, "items": counts, "failed_items": failed}
            click.echo(as_json(payload))
            return
        print_table(run_table([run]))
        if steps or not items:
            print_table(step_table(steps))
        if items:
            by_status = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            click.echo(f"map items: {len(items)} ({by_status})")
            click.echo(f"  one item: hypergraph runs show {items[0][1].id} --db {db}")
        if failed:
            print_table(item_table(failed))

    @runs.command("resume", help="Resume run RUN_ID of MODULE:GRAPH, answering a pause.")
    @click.argument("run_id")
    @click.argument("reference", metavar="MODULE:GRAPH")
    @click.option("--db", required=True, help=_DB_HELP)
    @click.option("--answer", "answers", multiple=True, metavar="KEY=VALUE", help="The answer to the paused interrupt, by its response key (JSON or text).")  # fmt: skip
    @click.option("--json", "json_output", is_flag=True, help="Print JSON instead of text.")
    def runs_resume(
        run_id: str, reference: str, db: str, answers: tuple[str, ...], json_output: bool
    ) -> None:
        graph = _graph(reference)
        values = _assignments(answers, "--answer")
        with _checkpointer(db, must_exist=True) as checkpointer:
            if checkpointer.get_run(run_id) is None:
                raise click.ClickException(
                    f"no run {run_id!r} in {db}: 'hypergraph runs list --db {db}' lists them"
                )
            result = _execute(graph, values, checkpointer, run_id)
        _report(result, reference=reference, db=db, as_json_output=json_output)

    return app
