"""The README's main example: a nested graph, a branch and a loop run by SyncRunner."""

from __future__ import annotations

from _examples import load_example

from hypergraph import SyncRunner


def test_long_text_is_condensed_then_shortened_until_it_fits():
    example = load_example("pipeline.py")
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
    example = load_example("pipeline.py")
    text = "One short sentence. Another one."
    result = SyncRunner().run(example.pipeline, text=text)
    assert result["draft"] == ["One short sentence.", "Another one."]
    assert result["summary"] == result["draft"]


def test_main_prints_the_report(capsys, monkeypatch):
    example = load_example("pipeline.py")
    monkeypatch.setattr("sys.argv", ["pipeline.py"])
    example.main()
    out = capsys.readouterr().out
    assert "status: completed" in out and "sentences" in out
    # what the example shows: the nested graph's result, the branch taken, the loop's turns
    assert "nested graph 'prepare': 7 sentences" in out
    assert "branch: is_long chose key_sentences (4 sentences in the draft)" in out
    assert "loop: drop_last_sentence ran 2 times, fits_budget decided" in out
