"""``hypergraph run``: start a run of a graph named ``module:graph`` from the command line."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

Cli = Callable[..., subprocess.CompletedProcess[str]]


def test_run_prints_outputs_with_json_inputs(hypergraph_cli: Cli) -> None:
    done = hypergraph_cli("run", "flows:arithmetic", "--input", "x=4", "--input", "extra=1")
    assert done.returncode == 0, done.stderr
    assert "status: completed" in done.stdout
    assert "total = 9" in done.stdout


def test_run_json_output_is_machine_readable(hypergraph_cli: Cli) -> None:
    done = hypergraph_cli("run", "flows.py:arithmetic", "--input", "x=3", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["status"] == "completed"
    assert payload["values"] == {"doubled": 6, "total": 6}
    assert payload["pause"] is None


def test_text_input_needs_no_quotes(hypergraph_cli: Cli) -> None:
    done = hypergraph_cli("run", "flows:review_flow", "--input", "topic=owls", "--json")
    payload = json.loads(done.stdout)
    assert payload["status"] == "paused"
    assert payload["pause"]["value"] == "a note on owls"
    assert payload["pause"]["response_key"] == "verdict"


def test_failed_run_exits_with_one_and_shows_the_error(hypergraph_cli: Cli) -> None:
    done = hypergraph_cli("run", "flows:broken", "--input", "x=5")
    assert done.returncode == 1
    assert "status: failed" in done.stdout
    assert "ValueError: cannot handle 5" in done.stdout


def test_unknown_graph_attribute_lists_the_graphs_there(hypergraph_cli: Cli) -> None:
    done = hypergraph_cli("run", "flows:arithmetc", "--input", "x=1")
    assert done.returncode == 2
    assert "has no attribute 'arithmetc'" in done.stderr
    assert "arithmetic" in done.stderr and "review_flow" in done.stderr


def test_reference_to_something_else_than_a_graph_is_refused(hypergraph_cli: Cli) -> None:
    done = hypergraph_cli("run", "flows:not_a_graph")
    assert done.returncode == 2
    assert "is a int, not a Graph" in done.stderr


def test_reference_without_colon_explains_the_form(hypergraph_cli: Cli) -> None:
    done = hypergraph_cli("run", "flows")
    assert done.returncode == 2
    assert "write it as 'module:graph'" in done.stderr


def test_missing_required_input_is_reported_without_a_traceback(hypergraph_cli: Cli) -> None:
    done = hypergraph_cli("run", "flows:arithmetic")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "'x'" in done.stderr


def test_malformed_input_pair_names_the_option(hypergraph_cli: Cli) -> None:
    done = hypergraph_cli("run", "flows:arithmetic", "--input", "x")
    assert done.returncode == 2
    assert "--input expects key=value, got 'x'" in done.stderr


def test_workflow_id_without_db_is_a_usage_error(hypergraph_cli: Cli) -> None:
    done = hypergraph_cli("run", "flows:arithmetic", "--input", "x=1", "--workflow-id", "wf")
    assert done.returncode == 2
    assert "needs --db" in done.stderr
