"""The batch-reviews example maps its pipeline over the shipped dataset and reports failures."""

from __future__ import annotations

from _examples import load_example


def test_every_malformed_line_fails_with_its_reason_and_the_rest_complete(capsys):
    example = load_example("batch_reviews.py")
    example.main()
    out = capsys.readouterr().out
    assert "320 completed, 12 failed" in out
    assert "line  18: ValueError: rating 'five' is not a whole number of stars" in out
    assert "line 278: ValueError: review text '???' contains no words (parsed: wool socks)" in out
    assert "stars disagree" in out


def test_pipeline_classifies_a_single_review_like_the_batch_does():
    example = load_example("batch_reviews.py")
    from hypergraph import SyncRunner

    line = "5 | kettle | Sturdy and well made. Quiet and reliable."
    result = SyncRunner().run(example.REVIEW, line=line)
    assert result["verdict"] == "positive" and result["stars"] == 5
    batch = SyncRunner().map(
        example.REVIEW, line=[line, "2 | kettle | Great value."], map_over="line"
    )
    assert batch[0]["verdict"] == "positive"
    assert batch[1]["verdict"] == "stars disagree"
