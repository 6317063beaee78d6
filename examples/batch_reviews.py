"""Batch processing with ``runner.map``: score a file of product reviews, one run per line.

Each line of ``examples/data/reviews.txt`` reads ``<stars 1-5> | <product> | <review text>``.
One small graph handles one line:

    parse_review -> tokenize -> score_sentiment -> classify

``SyncRunner().map(..., map_over="line", error_handling="continue")`` runs it over every line.
Some lines are malformed on purpose (a rating spelled out, a missing product, seven stars...):
their runs fail, the batch goes on, and the report lists which lines failed and why.

Run it with ``python examples/batch_reviews.py`` (optionally pass another reviews file).
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from _progress import progress_processors  # sibling helper: bars in a terminal only

from hypergraph import Graph, RunResult, SyncRunner, node

DATA = Path(__file__).parent / "data" / "reviews.txt"


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Small hand-written sentiment lexicon: enough for the reviews shipped in examples/data.
POSITIVE = _word_set(
    "better clear comfortable easy excellent great happily light love loves lovely perfectly "
    "premium quickly quiet reliable solid strong sturdy value"
)
NEGATIVE = _word_set(
    "broken cheap cracked dies disappointing faded flimsy ignored leaks loud missing overpriced "
    "poor returned rough smell snapped stopped uncomfortable useless wobbles worse"
)


@node(output_name=("stars", "product", "text"))
def parse_review(line: str) -> tuple[int, str, str]:
    """Split a line into its three fields; raise ``ValueError`` saying what is wrong."""
    fields = [field.strip() for field in line.split("|")]
    if len(fields) != 3:
        raise ValueError(f"expected 3 fields separated by '|', found {len(fields)}")
    stars_text, product, text = fields
    if not re.fullmatch(r"-?\d+", stars_text):
        raise ValueError(f"rating {stars_text!r} is not a whole number of stars")
    stars = int(stars_text)
    if not 1 <= stars <= 5:
        raise ValueError(f"rating {stars} is outside the 1-5 scale")
    if not product:
        raise ValueError("the product name is empty")
    if not text:
        raise ValueError("the review text is empty")
    return stars, product, text


@node(output_name="words")
def tokenize(text: str) -> list[str]:
    """Lower-case words of the review; a review without any word is an error."""
    words = re.findall(r"[a-z']+", text.lower())
    if not words:
        raise ValueError(f"review text {text!r} contains no words")
    return words


@node(output_name="sentiment")
def score_sentiment(words: list[str]) -> float:
    """From -1 (only negative words) to +1 (only positive words); 0 when neither appears."""
    positive = sum(word in POSITIVE for word in words)
    negative = sum(word in NEGATIVE for word in words)
    return (positive - negative) / max(1, positive + negative)


@node(output_name="verdict")
def classify(sentiment: float, stars: int) -> str:
    """A label for the review, flagging ratings that contradict the words."""
    if (stars >= 4 and sentiment < 0) or (stars <= 2 and sentiment > 0):
        return "stars disagree"
    if sentiment > 0.3:
        return "positive"
    if sentiment < -0.3:
        return "negative"
    return "mixed"


REVIEW = Graph([parse_review, tokenize, score_sentiment, classify], name="review")


def read_lines(path: Path) -> tuple[list[int], list[str]]:
    """Line numbers and contents of the non-empty, non-comment lines."""
    numbers, lines = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            numbers.append(number)
            lines.append(line)
    return numbers, lines


def report(numbers: list[int], results: list[RunResult], seconds: float) -> None:
    """Print verdict counts, the best and worst products, and every failed line."""
    completed = [r for r in results if r.status == "completed"]
    failed = [(n, r) for n, r in zip(numbers, results) if r.status == "failed"]
    print(f"Scored {len(results)} reviews in {seconds * 1000:.1f} ms")
    print(f"  {len(completed)} completed, {len(failed)} failed\n")

    print("Verdicts:")
    for verdict, count in Counter(r["verdict"] for r in completed).most_common():
        print(f"  {verdict:<15}{count:>5}")

    by_product: dict[str, list[float]] = defaultdict(list)
    for result in completed:
        by_product[result["product"]].append(result["sentiment"])
    ranked = sorted(by_product.items(), key=lambda item: sum(item[1]) / len(item[1]))
    print("\nBest liked:   " + ", ".join(_average(name, s) for name, s in ranked[::-1][:3]))
    print("Least liked:  " + ", ".join(_average(name, s) for name, s in ranked[:3]))

    print("\nFailed lines:")
    for number, result in failed:
        # Outputs produced before the failure are kept: show what was parsed, if anything.
        parsed = f" (parsed: {result['product']})" if "product" in result else ""
        print(f"  line {number:>3}: {type(result.error).__name__}: {result.error}{parsed}")


def _average(name: str, scores: list[float]) -> str:
    return f"{name} ({sum(scores) / len(scores):+.2f})"


def main(path: Path = DATA) -> None:
    """Score every review in ``path`` and print the report."""
    numbers, lines = read_lines(path)
    started = time.perf_counter()
    results = SyncRunner().map(
        REVIEW,
        {"line": lines},
        map_over="line",
        error_handling="continue",
        event_processors=progress_processors(),
    )
    report(numbers, results, time.perf_counter() - started)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
