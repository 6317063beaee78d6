"""A script that starts DaskRunner's local cluster outside ``if __name__ == "__main__":``.

Each test runs a small script in a fresh interpreter, the way a user runs one.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("distributed")

GRAPH_CODE = """
from hypergraph import DaskRunner, Graph, node

@node(output_name="y")
def double(x: int) -> int:
    return 2 * x

graph = Graph([double])
"""


def run_script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "pipeline.py"
    script.write_text(textwrap.dedent(GRAPH_CODE) + textwrap.dedent(body))
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unguarded_top_level_map_fails_fast_with_an_error_naming_the_guard(tmp_path):
    done = run_script(
        tmp_path,
        """
        runner = DaskRunner(n_workers=1)
        print(runner.map(graph, {"x": [1, 2]}, map_over="x"))
        """,
    )
    assert done.returncode != 0
    assert "RuntimeError" in done.stderr
    assert "pipeline.py (line 11)" in done.stderr
    assert 'if __name__ == "__main__":' in done.stderr
    assert "Nanny" not in done.stderr
    assert len(done.stderr.splitlines()) < 40


def test_runner_built_at_top_level_and_used_under_the_guard_runs(tmp_path):
    done = run_script(
        tmp_path,
        """
        runner = DaskRunner(n_workers=1, cluster_options={"silence_logs": 40})

        if __name__ == "__main__":
            with runner:
                print([r["y"] for r in runner.map(graph, {"x": [1, 2]}, map_over="x")])
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[2, 4]"
