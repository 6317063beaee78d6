"""Checkpoint backends side by side: per-step overhead of PostgreSQL vs SQLite vs none, and the
rows a workflow leaves under each retention mode.

Run: ``python benchmarks/bench_checkpoint_backends.py [--repeat N] [--items M]``. It starts its
own throwaway PostgreSQL server (``tests/support/postgres_server.py``: initdb + pg_ctl on a free
loopback port, in a temporary directory; needs Debian's ``postgresql`` package) and stops it at
the end. All figures come from one run, on the same machine, as ratios to no checkpointer:

- ``SyncRunner.run`` of a 200-node chain and ``SyncRunner.map`` over M items (default 2,000) of
  a two-node graph, without a checkpointer, then with SQLite and PostgreSQL under ``sync`` and
  ``async`` durability (best of N rounds, a fresh workflow id per round); the overhead per
  recorded step is (time - time without) / steps.
- Rows per workflow: a 100-turn loop (201 recorded steps) under retention ``full``, ``latest``
  and ``windowed`` (window 5), counted in each store with ``row_counts()``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypergraph import (
    END,
    CheckpointPolicy,
    Graph,
    PostgresCheckpointer,
    SqliteCheckpointer,
    SyncRunner,
    node,
    route,
)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_checkpoint import ITEM_GRAPH, Best, best, chain_graph  # noqa: E402


def load_server_module() -> Any:
    """``tests/support/postgres_server.py``, imported by path (the tests are not a package)."""
    path = HERE.parent / "tests" / "support" / "postgres_server.py"
    spec = importlib.util.spec_from_file_location("hg_bench_postgres_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Stores:
    """Fresh checkpointers per round: a new SQLite file, or a new PostgreSQL database."""

    def __init__(self, tmp: Path, admin_dsn: str) -> None:
        self.tmp = tmp
        self.admin_dsn = admin_dsn

    def sqlite(self, **options: Any) -> SqliteCheckpointer:
        return SqliteCheckpointer(self.tmp / f"{uuid.uuid4().hex}.db", **options)

    def postgres(self, **options: Any) -> PostgresCheckpointer:
        import psycopg

        name = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return PostgresCheckpointer(self.admin_dsn.rsplit("/", 1)[0] + f"/{name}", **options)

    def factories(self) -> dict[str, Callable[[], Any]]:
        return {
            "none": lambda: None,
            "sqlite sync": lambda: self.sqlite(durability="sync"),
            "sqlite async": lambda: self.sqlite(durability="async"),
            "postgres sync": lambda: self.postgres(durability="sync"),
            "postgres async": lambda: self.postgres(durability="async"),
        }


def report(title: str, steps: int, timings: dict[str, Best]) -> None:
    base = timings["none"][0]
    print(f"\n{title} ({steps:,} recorded steps per run)")
    print(f"  {'checkpointer':<15} {'wall':>10} {'ratio':>7} {'overhead/step':>14}")
    for label, (wall, _cpu) in timings.items():
        extra = "" if label == "none" else f"{(wall - base) / steps * 1e6:>11.1f} us"
        print(f"  {label:<15} {wall * 1e3:>7.1f} ms {wall / base:>6.2f}x {extra:>14}")


def measure(
    stores: Stores, rounds: int, run: Callable[[SyncRunner, str | None], None]
) -> dict[str, Best]:
    timings = {}
    for label, make in stores.factories().items():
        # Stores are opened (schema created, pool connected) before the clock starts: a
        # service opens its store once and then runs many workflows on it.
        made = [make() for _ in range(rounds)]
        for cp in made:
            if cp is not None:
                cp.runs()

        def once(n: int, made: list[Any] = made) -> None:
            cp = made[n]
            run(SyncRunner(checkpointer=cp), None if cp is None else f"wf-{n}")

        timings[label] = best(label, rounds, once)
        for cp in made:
            if cp is not None:
                cp.close()
    return timings


def bench_chain(stores: Stores, rounds: int) -> None:
    graph = chain_graph(200)
    SyncRunner().run(graph, v0=0)  # compile the plan once

    def run(runner: SyncRunner, wf: str | None) -> None:
        assert runner.run(graph, v0=0, workflow_id=wf)["v200"] == 200

    report("SyncRunner.run, 200-node chain", 200, measure(stores, rounds, run))


def bench_map(stores: Stores, rounds: int, items: int) -> None:
    texts = [f"  Item {i} has a few words  " for i in range(items)]

    def run(runner: SyncRunner, wf: str | None) -> None:
        results = runner.map(ITEM_GRAPH, {"text": texts}, map_over="text", workflow_id=wf)
        assert len(results) == items

    report(f"SyncRunner.map, {items:,} items x 2 nodes", 2 * items, measure(stores, rounds, run))


def loop(turns: int) -> Graph:
    @node(output_name="count")
    def step(count: int) -> int:
        return count + 1

    @route(targets=["step", END])
    def again(count: int) -> object:
        return "step" if count < turns else END

    return Graph([step, again], name="loop")


def rows_per_workflow(stores: Stores) -> None:
    turns = 100
    graph = loop(turns)
    policies = {
        "full": CheckpointPolicy(durability="sync", retention="full"),
        "latest": CheckpointPolicy(durability="sync", retention="latest"),
        "windowed (5)": CheckpointPolicy(durability="sync", retention="windowed", window=5),
    }
    print(f"\nRows per workflow after a {turns}-turn loop ({2 * turns + 1} recorded steps)")
    print(f"  {'retention':<14} {'sqlite steps':>13} {'postgres steps':>15} {'runs':>5}")
    for label, policy in policies.items():
        counts = []
        for make in (stores.sqlite, stores.postgres):
            cp = make(policy=policy)
            SyncRunner(checkpointer=cp).run(graph, count=0, workflow_id="loop")
            counts.append(cp.row_counts())
            cp.close()
        sqlite, postgres = counts
        print(f"  {label:<14} {sqlite['steps']:>13} {postgres['steps']:>15} {sqlite['runs']:>5}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds per case (best is shown)")
    parser.add_argument("--items", type=int, default=2000, help="map items")
    args = parser.parse_args()
    server = load_server_module().PostgresServer()
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            stores = Stores(Path(tmp), server.dsn)
            bench_chain(stores, args.repeat)
            bench_map(stores, args.repeat, args.items)
            rows_per_workflow(stores)
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
