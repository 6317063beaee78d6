"""Cost of recording runs: checkpoint overhead per step, as ratios to no checkpointer.

Run: ``python benchmarks/bench_checkpoint.py [--repeat N] [--items M]``. For a 200-node chain
(``SyncRunner.run``) and a map over 10,000 items of a two-node graph (``SyncRunner.map`` and
``AsyncRunner.map``) it prints the best time over N rounds without a checkpointer, then with a
``SqliteCheckpointer`` under ``sync`` and ``async`` durability and with ``MemoryCheckpointer``,
the ratio to no checkpointer (the median over rounds of each run's ratio to a run without a
checkpointer made just before it), and the overhead per recorded step. Each store is opened (its file
and tables created) before the rounds and records every round, as a program records its runs
in one store; ``sqlite new file`` is ``async`` durability on a file created for that one round
(what a store's first use adds). Each map table ends with ``rows alone``: the rows such a map
stores (its items' runs, steps and packs) inserted with ``sqlite3`` alone, no hypergraph code,
into a file of the same schema: the floor of any recording into SQLite. Then the same map with
I/O-bound nodes (each awaits 5 ms, as an API call would) on ``AsyncRunner``. The cases take
turns within each round, so a machine whose speed drifts slows them alike. Both wall time and
the process's CPU time (every thread, the background writer included) are shown: on a busy
machine wall times are noisy. Target: ``async`` durability within 2x of no checkpointer on the
map.

Every round uses a new ``workflow_id`` (a durable run with a used id would resume, not run).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The 200-node chain is bench_events.py's (run as a script, this folder is on sys.path).
from bench_events import chain_graph

from hypergraph import (
    AsyncRunner,
    Graph,
    MemoryCheckpointer,
    SqliteCheckpointer,
    SyncRunner,
    node,
)
from hypergraph.checkpointers.sqlite import _SCHEMA as SQLITE_SCHEMA


@node(output_name="cleaned")
def clean(text: str) -> str:
    return text.strip().lower()


@node(output_name="words")
def count(cleaned: str) -> int:
    return len(cleaned.split())


ITEM_GRAPH = Graph([clean, count], name="item")


@node(output_name="cleaned")
async def fetch(text: str) -> str:
    await asyncio.sleep(0.005)  # an API call
    return text.strip().lower()


@node(output_name="words")
async def classify(cleaned: str) -> int:
    await asyncio.sleep(0.005)
    return len(cleaned.split())


IO_GRAPH = Graph([fetch, classify], name="io_item")


Best = tuple[float, float]  # best wall time, best CPU time of this process (all threads)

Timing = tuple[float, float, float, float]
"""Best wall time, best CPU time of this process (all threads), and the median over rounds of
the wall and CPU ratio to a run without a checkpointer made just before (paired ratios)."""


def best(label: str, rounds: int, once: Callable[[int], Any]) -> Best:
    walls, cpus = [], []
    for round_no in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        once(round_no)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def _timed(once: Callable[[int], Any], round_no: int) -> Best:
    wall, cpu = time.perf_counter(), time.process_time()
    once(round_no)
    return time.perf_counter() - wall, time.process_time() - cpu


def interleaved(cases: dict[str, Callable[[int], Any]], rounds: int) -> dict[str, Timing]:
    """Time every case once per round, in turn (A B C, A B C, ...), so that a machine whose
    speed drifts slows every case alike; each case but ``none`` right after a ``none`` run of
    its own, so each round gives it a ratio to a baseline measured under the same conditions
    (on a shared machine the best times of two cases may come from rounds of different
    load, and one slow case, such as ``sqlite sync``, can leave the next one slower)."""
    walls: dict[str, list[float]] = {label: [] for label in cases}
    cpus: dict[str, list[float]] = {label: [] for label in cases}
    ratios: dict[str, list[tuple[float, float]]] = {label: [] for label in cases}
    baseline = cases["none"]
    # The slowest case (sqlite sync: thousands of transactions a round) runs last in a round,
    # so what it leaves behind falls on the next round's first run, a baseline of its own.
    order = sorted(cases, key=lambda label: label == "sqlite sync")
    for round_no in range(rounds):
        for label in order:
            once = cases[label]
            base_wall, base_cpu = _timed(baseline, round_no)
            walls["none"].append(base_wall)
            cpus["none"].append(base_cpu)
            if label == "none":
                ratios[label].append((1.0, 1.0))
                continue
            wall, cpu = _timed(once, round_no)
            walls[label].append(wall)
            cpus[label].append(cpu)
            ratios[label].append((wall / base_wall, cpu / base_cpu))
    return {
        label: (
            min(walls[label]),
            min(cpus[label]),
            statistics.median(r[0] for r in ratios[label]),
            statistics.median(r[1] for r in ratios[label]),
        )  # fmt: skip
        for label in cases
    }


def report(title: str, steps: int, timings: dict[str, Timing]) -> None:
    base_cpu = timings["none"][1]
    print(f"\n{title} ({steps:,} recorded steps per run)")
    print(
        f"  {'checkpointer':<15} {'best wall':>10} {'ratio':>7} {'best cpu':>10} {'ratio':>7} "
        f"{'cpu overhead/step':>18}"
    )
    for label, (wall, cpu, wall_ratio, cpu_ratio) in timings.items():
        added = cpu if label == "rows alone" else cpu - base_cpu  # rows alone: all overhead
        extra = "" if label == "none" else f"{added / steps * 1e6:>15.1f} us"
        print(
            f"  {label:<15} {wall * 1e3:>7.1f} ms {wall_ratio:>6.2f}x "
            f"{cpu * 1e3:>7.1f} ms {cpu_ratio:>6.2f}x {extra:>18}"
        )
    print("  (ratios: median over rounds of each run against a run without a checkpointer made")
    print("  just before it; best: the fastest round)")


def verdict(timings: dict[str, Timing]) -> None:
    """The 2x target, on the paired wall and CPU ratios (CPU: the steadier on a busy machine)."""
    for kind, at in (("wall", 2), ("cpu", 3)):
        ratio = timings["sqlite async"][at]
        within = "within" if ratio <= 2.0 else "NOT within"
        print(f"  sqlite async ({kind}) is {ratio:.2f}x no checkpointer: {within} the 2x target")


def checkpointers(tmp: Path) -> dict[str, Callable[[int], Any]]:
    """Label -> the checkpointer of round N.

    A program opens its store once and records many runs in it, so each case opens its store
    (creating the file and its tables) before the rounds and records every round in it, under
    a new workflow id; ``sqlite new file`` shows what a store opened afresh for one run costs
    on top (``async`` durability, a new file each round)."""
    stores: dict[str, Any] = {
        "sqlite sync": SqliteCheckpointer(tmp / "sync.db", durability="sync"),
        "sqlite async": SqliteCheckpointer(tmp / "async.db", durability="async"),
        "memory async": MemoryCheckpointer(durability="async"),
    }
    for store in stores.values():
        store.runs(limit=1)  # creates the tables now
    cases: dict[str, Callable[[int], Any]] = {"none": lambda n: None}
    cases.update({label: lambda n, store=store: store for label, store in stores.items()})
    cases["sqlite new file"] = lambda n: SqliteCheckpointer(tmp / f"new-{n}.db", durability="async")
    return cases


def close_new(cp: Any) -> None:
    """Close a store opened for one round (``sqlite new file``); the others stay open."""
    if cp is not None and "new-" in str(getattr(cp, "path", "")):
        cp.close()


def bench_chain(tmp: Path, rounds: int) -> None:
    graph = chain_graph(200)
    SyncRunner().run(graph, v0=0)  # compile the plan once
    cases = {}
    (tmp / "chain").mkdir(exist_ok=True)
    for label, make in checkpointers(tmp / "chain").items():

        def once(n: int, make: Callable[[int], Any] = make) -> None:
            cp = make(n)
            runner = SyncRunner(checkpointer=cp)
            wf = None if cp is None else f"chain-{n}"
            assert runner.run(graph, v0=0, workflow_id=wf)["v200"] == 200
            close_new(cp)

        cases[label] = once
    timings = interleaved(cases, rounds)
    report("SyncRunner.run, 200-node chain", 200, timings)


StoredRows = dict[str, list[tuple[Any, ...]]]  # table -> rows


def stored_rows(tmp: Path, texts: list[str]) -> StoredRows:
    """The rows a durable map over ``texts`` stores in SQLite, by table: the runs and steps of
    its items, and their packs."""
    cp = SqliteCheckpointer(tmp / "rows.db", durability="async")
    SyncRunner(checkpointer=cp).map(ITEM_GRAPH, text=texts, map_over="text", workflow_id="rows")
    with cp._reading() as cur:
        rows = {
            "runs": cur.execute("SELECT * FROM runs WHERE parent_run_id = 'rows'").fetchall(),
            "steps": cur.execute("SELECT * FROM steps WHERE run_id LIKE 'rows/%'").fetchall(),
        }
        if "item_packs" in SQLITE_SCHEMA:  # hypergraph stores packs (not a release before)
            rows["item_packs"] = cur.execute("SELECT * FROM item_packs").fetchall()
    cp.close()
    return rows


def insert_rows(path: Path, rows: StoredRows) -> None:
    """Insert ``rows`` into a fresh file of the same schema with ``sqlite3`` alone, at most
    100 rows of a table per transaction: the least any recording into SQLite costs."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SQLITE_SCHEMA)
    for table, table_rows in rows.items():
        if not table_rows:
            continue
        insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(table_rows[0]))})"
        for start in range(0, len(table_rows), 100):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(insert, table_rows[start : start + 100])
            conn.execute("COMMIT")
    conn.close()


def bench_map(tmp: Path, rounds: int, items: int) -> None:
    texts = [f"  Item {i} has a few words  " for i in range(items)]
    steps = 2 * items
    rows = stored_rows(tmp, texts)
    for runner_name in ("SyncRunner", "AsyncRunner"):
        cases = {}
        (tmp / runner_name).mkdir(exist_ok=True)
        for label, make in checkpointers(tmp / runner_name).items():

            def once(n: int, make: Callable[[int], Any] = make, name: str = runner_name) -> None:
                cp = make(n)
                wf = None if cp is None else f"map-{n}"
                if name == "SyncRunner":
                    results = SyncRunner(checkpointer=cp).map(
                        ITEM_GRAPH, text=texts, map_over="text", workflow_id=wf
                    )
                else:
                    results = asyncio.run(
                        AsyncRunner(checkpointer=cp).map(
                            ITEM_GRAPH,
                            text=texts,
                            map_over="text",
                            workflow_id=wf,
                            max_concurrency=100,
                        )  # fmt: skip
                    )
                assert len(results) == items and results[-1]["words"] == 6
                close_new(cp)

            cases[label] = once
        folder = tmp / runner_name
        cases["rows alone"] = lambda n, at=folder: insert_rows(at / f"rows-{n}.db", rows)
        timings = interleaved(cases, rounds)
        report(f"{runner_name}.map, {items:,} items x 2 nodes", steps, timings)
        verdict(timings)


def bench_io_map(tmp: Path, rounds: int, items: int) -> None:
    """Items whose two nodes each await 5 ms (API calls), 200 at a time: recording runs on the
    event loop while the calls wait, so it mostly overlaps with them."""
    texts = [f"  Item {i} has a few words  " for i in range(items)]
    cases = {}
    (tmp / "io").mkdir(exist_ok=True)
    for label, make in checkpointers(tmp / "io").items():

        def once(n: int, make: Callable[[int], Any] = make) -> None:
            cp = make(n)
            wf = None if cp is None else f"io-{n}"
            results = asyncio.run(
                AsyncRunner(checkpointer=cp).map(
                    IO_GRAPH, text=texts, map_over="text", workflow_id=wf, max_concurrency=200
                )
            )
            assert len(results) == items and results[-1]["words"] == 6
            close_new(cp)

        cases[label] = once
    timings = interleaved(cases, rounds)
    report(f"AsyncRunner.map, {items:,} items x 2 nodes awaiting 5 ms each", 2 * items, timings)
    verdict(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_chain(Path(tmp), args.repeat)
        bench_map(Path(tmp), args.repeat, args.items)
        bench_io_map(Path(tmp), args.repeat, args.items)


if __name__ == "__main__":
    main()
