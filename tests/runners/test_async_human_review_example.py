"""The human-in-the-loop example runs unattended and goes through every scripted review."""

from __future__ import annotations

import subprocess
import sys

from _examples import EXAMPLES, load_example

EXAMPLE = EXAMPLES / "human_review.py"


async def test_each_review_pauses_and_the_answers_drive_the_loop(capsys):
    example = load_example("human_review.py")
    await example.main("graphs", ["shorter please", "approve"])
    out = capsys.readouterr().out
    assert out.count("--- review #") == 2
    assert "Approved after 2 review(s)" in out
    assert "(Revised to shorter please.)" in out


async def test_first_run_pauses_on_the_review_with_the_draft():
    example = load_example("human_review.py")
    from hypergraph import AsyncRunner

    result = await AsyncRunner().run(example.review_loop, topic="graphs", notes=[])
    assert result.paused and result.pause.node_name == "review"
    assert result.pause.value == result["draft"]


def test_script_runs_non_interactively():
    completed = subprocess.run(
        [sys.executable, str(EXAMPLE), "--auto"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=True,
    )
    assert completed.stdout.count("--- review #") == 3
    assert "Approved after 3 review(s)" in completed.stdout
