"""Small graphs the viz tests draw: one per shape a picture must get right."""

from __future__ import annotations

import sys
from pathlib import Path

from hypergraph import END, Graph, ifelse, interrupt, node, route


@node(output_name="tokens")
def tokenize(text: str) -> list[str]:
    """Split a text on whitespace."""
    return text.split()


@node(output_name="count")
def count_tokens(tokens: list[str], minimum: int = 1) -> int:
    return sum(1 for t in tokens if len(t) >= minimum)


@ifelse(when_true="shout", when_false="whisper")
def is_loud(text: str) -> bool:
    return text.isupper()


@node(output_name="reply")
def shout(text: str) -> str:
    return text + "!"


@node(output_name="reply")
def whisper(text: str) -> str:
    return text.lower()


@node(output_name="total")
def add_step(total: int, step: int = 2) -> int:
    return total + step


@route(targets=["add_step", END])
def keep_going(total: int) -> object:
    return END if total >= 10 else "add_step"


@node(output_name="report")
def report(count: int) -> str:
    return f"{count} tokens"


@node(output_name="secret", hide=True)
def helper(text: str) -> str:
    return text[::-1]


@node(output_name="shown")
def reveal(secret: str) -> str:
    return secret


@node(output_name="a")
def make_a(x: int) -> int:
    return x + 1


@node(output_name="b")
def make_b(a: int) -> int:
    return a * 2


@node(output_name="c")
def make_c(b: int) -> int:
    return b - 1


@node(output_name="saved", emit="done")
def save(x: int) -> int:
    return x


@node(output_name="logged", wait_for="done")
def log(y: int) -> int:
    return y


@interrupt(output_name="verdict")
def review(draft: str) -> str | None:
    return None


def dag() -> Graph:
    return Graph([tokenize, count_tokens]).bind(minimum=2)


def branch() -> Graph:
    return Graph([is_loud, shout, whisper])


def loop() -> Graph:
    return Graph([add_step, keep_going])


def nested() -> Graph:
    counter = Graph([tokenize, count_tokens], name="counter")
    return Graph([counter.as_node(), report])


def hidden() -> Graph:
    return Graph([tokenize, helper, reveal])


def explicit() -> Graph:
    return Graph([make_a, make_b, make_c], edges=[(make_a, make_b)])


def ordered() -> Graph:
    return Graph([save, log])


def with_interrupt() -> Graph:
    return Graph([review])


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def pipeline() -> Graph:
    """The README's main example, ``examples/pipeline.py``."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        from pipeline import pipeline as graph
    finally:
        sys.path.remove(str(EXAMPLES))
    return graph
