"""Helpers for driving the installed ``hypergraph`` console script in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

GRAPHS_MODULE = """
from hypergraph import END, Graph, interrupt, node, route

SENT = []


@node(output_name="doubled")
def double(x: int) -> int:
    return 2 * x


@node(output_name="total")
def add(doubled: int, extra: int = 0) -> int:
    return doubled + extra


arithmetic = Graph([double, add], name="arithmetic")


@node(output_name="draft")
def write(topic: str) -> str:
    return f"a note on {topic}"


@interrupt(output_name="verdict")
def review(draft: str) -> None:
    return None


@node(output_name="sent")
def send(draft: str, verdict: str) -> str:
    return f"sent {draft!r} ({verdict})"


review_flow = Graph([write, review, send], name="review_flow")


@node(output_name="answer")
def explode(x: int) -> int:
    raise ValueError(f"cannot handle {x}")


broken = Graph([explode], name="broken")
not_a_graph = 42
"""


def _script() -> str:
    script = Path(sys.executable).parent / "hypergraph"
    if not script.exists():
        raise RuntimeError(
            f"the hypergraph console script is not installed next to {sys.executable}: "
            'install the package with its cli extra (pip install ".[cli]")'
        )
    return str(script)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder holding ``flows.py`` (the graphs above), used as the command's working folder."""
    (tmp_path / "flows.py").write_text(GRAPHS_MODULE)
    return tmp_path


@pytest.fixture
def hypergraph_cli(workdir: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``hypergraph ARGS...`` in ``workdir``; returns the completed process (text output)."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [_script(), *args], cwd=workdir, capture_output=True, text=True, timeout=120
        )

    return run
