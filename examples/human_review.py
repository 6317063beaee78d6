"""Human in the loop: draft a post, pause for a review, revise until the reviewer approves.

The graph is a loop: ``write`` drafts the post from the topic and every reviewer note so far,
``review`` is an ``@interrupt`` that asks a person, ``record`` files the answer, and ``decide``
either ends the loop (approved) or sends the post back to ``write``.

``review`` returns ``None``, so ``AsyncRunner`` pauses the run and hands back a ``RunResult``
with ``status == "paused"``. The caller shows ``result.pause.value`` (the draft) to a person and
runs the graph again with the answer under ``result.pause.response_key``, plus the notes
gathered so far. The interrupt takes the supplied answer, the loop goes on, and the run pauses
again at the next review, until a reviewer types ``approve``.

Run it with ``python examples/human_review.py``. In a terminal you are the reviewer; when
stdin is not a terminal (CI) or with ``--auto``, the reviews come from a scripted list.
"""

from __future__ import annotations

import asyncio
import sys

from _progress import progress_processors  # sibling helper: bars in a terminal only

from hypergraph import END, AsyncRunner, Graph, interrupt, node, route

SCRIPTED_REVIEWS = [
    "mention that graphs nest",
    "add a call to action",
    "approve",
]


@node(output_name="draft")
def write(topic: str, notes: list[str]) -> str:
    """Draft the post: a fixed opening plus one sentence per reviewer note."""
    lines = [f"{topic.capitalize()} turn plain functions into workflows."]
    for note in notes:
        lines.append(f"(Revised to {note}.)")
    return " ".join(lines)


@interrupt(output_name="verdict")
def review(draft: str) -> str | None:
    """Ask a person: ``approve``, or a note saying what to change. ``None`` pauses the run."""
    return None


@node(output_name=("notes", "approved"))
def record(notes: list[str], verdict: str) -> tuple[list[str], bool]:
    """File the reviewer's answer: approval ends the loop, anything else becomes a note."""
    if verdict.strip().lower() == "approve":
        return notes, True
    return [*notes, verdict.strip()], False


@route(targets=["write", END])
def decide(approved: bool):
    """Approved posts are done; the others go back to the writer."""
    return END if approved else "write"


review_loop = Graph([write, review, record, decide], name="review_loop")


def ask_person(draft: str, turn: int, scripted: list[str] | None) -> str:
    """The reviewer's answer: typed in a terminal, or the next scripted one."""
    print(f"\n--- review #{turn} ---\n{draft}")
    if scripted is not None:
        answer = scripted[turn - 1] if turn <= len(scripted) else "approve"
        print(f"reviewer (scripted)> {answer}")
        return answer
    return input("reviewer ('approve' or a note)> ") or "approve"


async def main(topic: str, scripted: list[str] | None) -> None:
    runner = AsyncRunner()
    inputs = {"topic": topic, "notes": []}
    result = await runner.run(review_loop, inputs, event_processors=progress_processors())
    turn = 0
    while result.paused:
        turn += 1
        answer = ask_person(result.pause.value, turn, scripted)
        # Resume: the original inputs, the notes gathered so far, and the answer.
        inputs = {"topic": topic, "notes": result["notes"], result.pause.response_key: answer}
        result = await runner.run(review_loop, inputs, event_processors=progress_processors())
    print(f"\nApproved after {turn} review(s):\n{result['draft']}")
    print(f"Notes applied: {result['notes']}")


if __name__ == "__main__":
    automatic = "--auto" in sys.argv or not sys.stdin.isatty()
    asyncio.run(main("hypergraphs", SCRIPTED_REVIEWS if automatic else None))
