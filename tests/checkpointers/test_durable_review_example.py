"""examples/durable_review.py: two commands, and the draft sent is the one reviewed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "examples" / "durable_review.py"


def run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_start_then_answer_sends_the_reviewed_draft(tmp_path) -> None:
    db = str(tmp_path / "review.db")
    started = run("--db", db, "start", "--topic", "graphs")
    assert "paused at 'review'" in started
    serial = re.search(r"Draft #(\w+):", started).group(1)

    answered = run("--db", db, "answer", "approve")
    assert answered.strip() == (
        f"sent draft #{serial}: Graphs: runs that survive a crash and wait for people."
    )


def test_answering_twice_is_refused_with_how_to_read_the_result(tmp_path) -> None:
    db = str(tmp_path / "review.db")
    run("--db", db, "start")
    run("--db", db, "answer", "approve")
    again = subprocess.run(
        [sys.executable, str(EXAMPLE), "--db", db, "answer", "approve"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode != 0
    assert "WorkflowAlreadyCompletedError" in again.stderr
    assert "checkpointer.state('review-1')" in again.stderr
