"""A small but real hypergraph pipeline: summarise a text to fit a character budget.

It shows the three shapes a graph can take:
- a nested graph (``prepare``: clean the text, split it into sentences) used as one node;
- a branch (``@ifelse``): long texts get an extractive summary, short ones are kept whole;
- a loop (``@route`` with ``END``): drop the weakest sentence until the summary fits.

Run it with ``python examples/pipeline.py`` (optionally pass a text file path).
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from _progress import progress_processors  # sibling helper: bars in a terminal only

from hypergraph import (
    END,
    Graph,
    NodeEndEvent,
    RouteDecisionEvent,
    SyncRunner,
    TypedEventProcessor,
    ifelse,
    node,
    route,
)

SAMPLE = """\
Hypergraph turns plain Python functions into workflow graphs. Each function names its outputs,
and the graph wires functions together by matching output names to parameter names. The same
graph can run as a pipeline, a branching workflow or a loop. Runners execute graphs one step at a
time: every node whose inputs are ready runs, and its outputs may make other nodes ready. Gates
decide which branch runs next, and END stops a loop. Graphs nest inside other graphs as single
nodes, so large workflows stay readable. Batches run the same graph over many inputs.
"""

STOPWORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "can",
    "each",
    "its",
    "of",
    "or",
    "so",
    "the",
    "to",
    "which",
    "whose",
    "may",
    "other",
    "same",
    "one",
    "time",
    "every",
    "inside",
}


# --- nested graph: prepare the text -------------------------------------------------------------
@node(output_name="clean_text")
def normalize(text: str) -> str:
    """Collapse whitespace so sentences can be split reliably."""
    return re.sub(r"\s+", " ", text).strip()


@node(output_name="sentences")
def split_sentences(clean_text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", clean_text) if s.strip()]


prepare = Graph([normalize, split_sentences], name="prepare")


# --- branch: long texts are condensed, short ones kept -----------------------------------------
@ifelse(when_true="key_sentences", when_false="keep_all")
def is_long(sentences: list[str], min_sentences: int = 4) -> bool:
    return len(sentences) >= min_sentences


def _word_scores(sentences: list[str]) -> Counter:
    words = (w.lower() for s in sentences for w in re.findall(r"[A-Za-z]+", s))
    return Counter(w for w in words if w not in STOPWORDS)


@node(output_name="draft")
def key_sentences(sentences: list[str], top_k: int = 4) -> list[str]:
    """Keep the top_k sentences whose words are most frequent in the whole text, in text order."""
    scores = _word_scores(sentences)

    def score(sentence: str) -> float:
        words = re.findall(r"[A-Za-z]+", sentence.lower())
        return sum(scores[w] for w in words) / max(len(words), 1)

    best = sorted(sentences, key=score, reverse=True)[:top_k]
    return [s for s in sentences if s in best]


@node(output_name="draft")
def keep_all(sentences: list[str]) -> list[str]:
    return list(sentences)


# --- nested graph with a loop: drop sentences until the summary fits ---------------------------
@node(output_name="summary")
def drop_last_sentence(summary: list[str]) -> list[str]:
    return summary[:-1]


@route(targets=["drop_last_sentence", END])
def fits_budget(summary: list[str], max_chars: int = 300) -> object:
    too_long = len(" ".join(summary)) > max_chars and len(summary) > 1
    return "drop_last_sentence" if too_long else END


shorten = Graph([drop_last_sentence, fits_budget], name="shorten")


@node(output_name="report")
def format_report(summary: list[str], sentences: list[str]) -> str:
    kept = len(summary)
    return f"{' '.join(summary)}\n({kept} of {len(sentences)} sentences, {len(' '.join(summary))} chars)"


pipeline = Graph(
    [
        prepare.as_node(),
        is_long,
        key_sentences,
        keep_all,
        shorten.as_node().with_inputs(summary="draft"),
        format_report,
    ],
    name="summarise",
)


class Trace(TypedEventProcessor):
    """Remembers what the run did: each gate's decisions and how often each node ran."""

    def __init__(self) -> None:
        self.decisions: dict[str, list[object]] = defaultdict(list)
        self.runs: Counter[str] = Counter()

    def on_route_decision(self, event: RouteDecisionEvent) -> None:
        self.decisions[event.node_name].append(event.decision)

    def on_node_end(self, event: NodeEndEvent) -> None:
        self.runs[event.node_name] += 1


def main() -> None:
    text = Path(sys.argv[1]).read_text() if len(sys.argv) > 1 else SAMPLE
    print("inputs needed:", pipeline.inputs.required, "optional:", pipeline.inputs.optional)
    trace = Trace()
    result = SyncRunner().run(
        pipeline, text=text, max_chars=220, event_processors=[trace, *progress_processors()]
    )
    print("status:", result.status.value)
    print(f"nested graph 'prepare': {len(result['sentences'])} sentences")
    (branch,) = trace.decisions["is_long"]
    print(f"branch: is_long chose {branch} ({len(result['draft'])} sentences in the draft)")
    turns = trace.runs["drop_last_sentence"]
    print(
        f"loop: drop_last_sentence ran {turns} time{'s' if turns != 1 else ''}, "
        f"fits_budget decided {trace.decisions['fits_budget']}"
    )
    print(result["report"])


if __name__ == "__main__":
    main()
