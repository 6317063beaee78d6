"""A durable review: draft a post, stop for a human review, send it — across two commands.

    python examples/durable_review.py start --topic "durable runs"
    python examples/durable_review.py answer approve

``start`` writes a draft and pauses at the ``review`` interrupt; the process then exits. The
run is stored step by step in a SQLite file, so ``answer`` — a brand-new process, hours later,
possibly on a restarted machine — resumes the workflow with only the reviewer's answer. The
draft is not written again: the one that is sent is exactly the one that was reviewed (each
draft carries a fresh serial number, so a rewritten draft would show).

Options: ``--db PATH`` (default ``durable_review.db`` in the current directory) and
``--workflow ID`` (default ``review-1``).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
from dataclasses import dataclass

from hypergraph import AsyncRunner, Graph, SqliteCheckpointer, interrupt, node


@dataclass
class Draft:
    """A post waiting for review; ``serial`` tells one writing from another."""

    topic: str
    text: str
    serial: str


@node(output_name="draft")
def write(topic: str) -> Draft:
    """Draft the post (an LLM call in real life: slow, paid, and never the same twice)."""
    text = f"{topic.capitalize()}: runs that survive a crash and wait for people."
    return Draft(topic, text, serial=secrets.token_hex(3))


@interrupt(output_name="verdict")
def review(draft: Draft) -> str | None:
    """Ask a person; ``None`` pauses the run until the answer comes."""
    return None


@node(output_name="sent")
def send(draft: Draft, verdict: str) -> str:
    """Publish an approved draft (a side effect that must happen once)."""
    if verdict.strip().lower() != "approve":
        return f"not sent ({verdict}): draft #{draft.serial}"
    return f"sent draft #{draft.serial}: {draft.text}"


publish = Graph([write, review, send], name="publish")


async def start(db: str, workflow: str, topic: str) -> None:
    runner = AsyncRunner(checkpointer=SqliteCheckpointer(db))
    result = await runner.run(publish, topic=topic, workflow_id=workflow)
    draft = result.pause.value
    print(f"Workflow {result.workflow_id} paused at {result.pause.node_name!r}.")
    print(f"Draft #{draft.serial}: {draft.text}")
    print("Answer it later, from any process:")
    print(f"  python examples/durable_review.py answer approve --workflow {workflow}")


async def answer(db: str, workflow: str, verdict: str) -> None:
    runner = AsyncRunner(checkpointer=SqliteCheckpointer(db))
    result = await runner.run(publish, {"verdict": verdict}, workflow_id=workflow)
    print(result["sent"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="durable_review.db")
    parser.add_argument("--workflow", default="review-1")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("start").add_argument("--topic", default="durable runs")
    commands.add_parser("answer").add_argument("verdict")
    args = parser.parse_args(argv)
    if args.command == "start":
        asyncio.run(start(args.db, args.workflow, args.topic))
    else:
        asyncio.run(answer(args.db, args.workflow, args.verdict))


if __name__ == "__main__":
    main()
