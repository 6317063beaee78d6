"""A process the kill tests start, SIGKILL, and start again (``python _kill_worker.py ...``).

Usage: ``_kill_worker.py SCENARIO BACKEND LOCATION LOG [answer]``. Every node appends
``done <name>`` to LOG when it finishes (its side effect); the node named by the environment
variable ``HANG_AT`` writes ``hang <name>`` and sleeps instead (the test kills the process
there). The result is printed as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from conftest import open_checkpointer  # noqa: E402
from hypergraph import AsyncRunner, Graph, SyncRunner, interrupt, node  # noqa: E402

LOG = Path(sys.argv[4])


def effect(name: str) -> None:
    """The node's side effect, or a hang where the test will kill the process."""
    if os.environ.get("HANG_AT") == name:
        with LOG.open("a") as log:
            log.write(f"hang {name}\n")
        time.sleep(600)
    with LOG.open("a") as log:
        log.write(f"done {name}\n")
        log.flush()
        os.fsync(log.fileno())


@node(output_name="a")
def first(x: int) -> int:
    effect("first")
    return x + 1


@node(output_name="b")
def second(a: int) -> int:
    effect("second")
    return a * 2


@node(output_name="c")
def third(b: int) -> int:
    effect("third")
    return b + 3


@node(output_name="d")
def fourth(c: int, a: int) -> int:
    effect("fourth")
    return c * a


CHAIN = Graph([first, second, third, fourth], name="chain")


@node(output_name="draft")
def write(topic: str) -> str:
    effect("write")
    return f"draft about {topic} written at {time.time()}"


@interrupt(output_name="decision")
def review(draft: str) -> str | None:
    return None


@node(output_name="sent")
def send(draft: str, decision: str) -> str:
    effect("send")
    return f"{decision}: {draft}"


REVIEW = Graph([write, review, send], name="review")


@node(output_name="y")
def square(x: int) -> int:
    effect(f"square{x}")
    return x * x


SQUARES = Graph([square], name="squares")


@node(output_name="total")
def add_up(y: list[int]) -> int:
    effect("add_up")
    return sum(y)


NESTED = Graph([SQUARES.as_node().map_over("x"), add_up], name="nested")


def main() -> None:
    scenario, backend, location = sys.argv[1], sys.argv[2], sys.argv[3]  # a folder or a URL
    # "async-map": the items are written by the background writer (and run compiled).
    durability = "async" if scenario == "async-map" else "sync"
    cp = open_checkpointer(backend, location, durability=durability)
    if scenario == "run":
        result = SyncRunner(checkpointer=cp).run(CHAIN, x=4, workflow_id="chain-1")
        print(json.dumps(dict(result.values)))
    elif scenario == "pause":
        runner = AsyncRunner(checkpointer=cp)
        if len(sys.argv) > 5:  # the answer, from a new process
            result = asyncio.run(runner.run(REVIEW, {"decision": sys.argv[5]}, workflow_id="r-1"))
            print(json.dumps(dict(result.values)))
            return
        result = asyncio.run(runner.run(REVIEW, topic="cats", workflow_id="r-1"))
        print(json.dumps({"paused": result.pause.response_key}), flush=True)
        effect("waiting")  # a service keeps running while the human thinks
    elif scenario in ("map", "async-map"):
        results = SyncRunner(checkpointer=cp).map(
            SQUARES, x=list(range(12)), map_over="x", workflow_id="batch-7"
        )
        print(json.dumps([[r["y"], r.restored] for r in results]))
    elif scenario == "nested-map":
        result = SyncRunner(checkpointer=cp).run(NESTED, x=list(range(12)), workflow_id="n-1")
        print(json.dumps(dict(result.values)))
    cp.close()


if __name__ == "__main__":
    main()
