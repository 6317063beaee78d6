"""The graph the Dask map tests record, and a client process they SIGKILL mid-map.

Usage as a script: ``_dask_items.py BACKEND LOCATION EFFECTS COUNT`` runs the map
``"batch-7"`` of COUNT items on an in-process Dask cluster (two worker threads) and prints
``done``. Each item appends one line to ``EFFECTS/item-<x>`` when its node body runs (its side
effect), so the tests count how often each item ran.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from hypergraph import Graph, node


@node(output_name="y")
def record(x: int, effects: str, doomed: int, pause: float) -> int:
    """Item ``x``: kills its own worker process the first time it is item ``doomed``."""
    marker = Path(effects) / f"killed-{x}"
    if x == doomed and not marker.exists():
        marker.touch()
        os._exit(1)
    time.sleep(pause)
    with open(Path(effects) / f"item-{x}", "a") as out:
        out.write("ran\n")
        out.flush()
        os.fsync(out.fileno())
    return x * 10


ITEMS = Graph([record], name="dask_items")


@node(output_name="y")
def unless_blocked(x: int, effects: str) -> int:
    """Item ``x`` fails while the file ``EFFECTS/block-<x>`` exists."""
    if (Path(effects) / f"block-{x}").exists():
        raise RuntimeError(f"item {x} is blocked")
    with open(Path(effects) / f"item-{x}", "a") as out:
        out.write("ran\n")
    return x * 10


BLOCKABLE = Graph([unless_blocked], name="dask_blockable")


@node(output_name="y")
def counted(x: int, effects: str) -> int:
    """Appends one line to ``EFFECTS/item-<x>`` each time it runs."""
    with open(Path(effects) / f"item-{x}", "a") as out:
        out.write("ran\n")
    return x * 10


@node(output_name="z")
def shifted(y: int, effects: str, offset: int = 0) -> int:
    """Fails while the file ``EFFECTS/block`` exists."""
    if (Path(effects) / "block").exists():
        raise RuntimeError("shifted is blocked")
    return y + offset


TWO_STEPS = Graph([counted, shifted], name="dask_two_steps")
WORKFLOW = "batch-7"


def effect_counts(effects: Path, count: int) -> list[int]:
    """How many times each item's node body ran."""
    counts = []
    for x in range(count):
        path = effects / f"item-{x}"
        counts.append(len(path.read_text().splitlines()) if path.exists() else 0)
    return counts


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import open_checkpointer
    from hypergraph import DaskRunner

    backend, location, effects, count = sys.argv[1:5]
    checkpointer = open_checkpointer(backend, location, durability="sync")
    runner = DaskRunner(
        checkpointer=checkpointer, processes=False, n_workers=1, threads_per_worker=2,
        chunk_size=2,
    )  # fmt: skip
    with runner:
        values = {"x": list(range(int(count))), "effects": effects, "doomed": -1, "pause": 0.3}
        runner.map(ITEMS, values, map_over="x", workflow_id=WORKFLOW)
    print("done", flush=True)


if __name__ == "__main__":
    main()
