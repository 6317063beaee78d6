"""One graph and one runner used from several threads at once (all run state lives in the run)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from hypergraph import END, Graph, SyncRunner, node, route


@node(output_name="count")
def increment(count: int, step: int) -> int:
    return count + step


@route(targets=["increment", END])
def check(count: int, limit: int):
    return END if count >= limit else "increment"


@node(output_name="label")
def describe(count: int) -> str:
    return f"reached {count}"


def test_concurrent_runs_of_one_graph_do_not_share_state():
    graph = Graph([increment, check, describe])
    runner = SyncRunner()

    def run(limit: int):
        return runner.run(graph, count=0, step=1, limit=limit)

    limits = list(range(1, 41)) * 5
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, limits))
    assert [r["count"] for r in results] == limits
    assert all(r["label"] == f"reached {limit}" for r, limit in zip(results, limits))
