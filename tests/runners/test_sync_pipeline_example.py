"""The README's main example: a nested graph, a branch and a loop run by SyncRunner."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hypergraph import SyncRunner

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pipeline.py"


def load_example():
    spec = importlib.util.spec_from_file_location("pipeline_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_long_text_is_condensed_then_shortened_until_it_fits():
    example = load_example()
    result = SyncRunner().run(example.pipeline, text=example.SAMPLE, max_chars=220)
    summary = result["summary"]
    assert len(" ".join(summary)) <= 220
    # key_sentences kept 4 of 7 sentences; the loop then dropped sentences until they fit.
    assert len(result["draft"]) == 4 and 1 <= len(summary) < 4
    assert summary == result["draft"][: len(summary)]
    assert result["report"].endswith(
        f"({len(summary)} of 7 sentences, {len(' '.join(summary))} chars)"
    )


def test_short_text_takes_the_other_branch_and_is_kept_whole():
    example = load_example()
    text = "One short sentence. Another one."
    result = SyncRunner().run(example.pipeline, text=text)
    assert result["draft"] == ["One short sentence.", "Another one."]
    assert result["summary"] == result["draft"]


def test_main_prints_the_report(capsys, monkeypatch):
    example = load_example()
    monkeypatch.setattr("sys.argv", ["pipeline.py"])
    example.main()
    out = capsys.readouterr().out
    assert "status: completed" in out and "sentences" in out
