"""How DaskRunner sizes and cuts chunks, and how results travel back (no cluster needed)."""

from __future__ import annotations

import pytest

from hypergraph import RunResult, RunStatus
from hypergraph.runners.map_plan import plan_items

pytest.importorskip("distributed")

from hypergraph.runners.dask.codec import dump_outcomes, load_outcomes, loads  # noqa: E402
from hypergraph.runners.dask.shipping import (  # noqa: E402
    MAX_CHUNK_SIZE,
    default_chunk_size,
    default_in_flight,
    plan_chunks,
)


def test_default_chunk_size_aims_at_a_few_chunks_per_thread_and_is_capped():
    assert default_chunk_size(10, 2) == 2  # 8 chunks wanted, 5 of 2 items
    assert default_chunk_size(3, 8) == 1
    assert default_chunk_size(100_000, 2) == MAX_CHUNK_SIZE
    assert default_chunk_size(1_000_000, 0) == MAX_CHUNK_SIZE  # no workers yet: still sane


def test_default_in_flight_scales_with_threads():
    assert default_in_flight(0) == default_in_flight(1) >= 2
    assert default_in_flight(8) > default_in_flight(2)


def test_chunks_are_planned_lazily_as_aligned_columns_in_input_order():
    produced = []

    def items():
        for a in range(7):
            produced.append(a)
            yield {"a": a, "b": -a}

    chunks = plan_chunks(items(), ("a", "b"), 3)
    index, start, size, blob = next(chunks)
    assert produced == [0, 1, 2]  # nothing beyond the first chunk was pulled
    assert (index, start, size) == (0, 0, 3)
    assert loads(blob) == {"a": [0, 1, 2], "b": [0, -1, -2]}
    rest = [(i, s, n, loads(b)) for i, s, n, b in chunks]
    assert rest == [
        (1, 3, 3, {"a": [3, 4, 5], "b": [-3, -4, -5]}),
        (2, 6, 1, {"a": [6], "b": [-6]}),
    ]


def test_product_items_become_zip_columns():
    _, items = plan_items({"a": [1, 2], "b": ["x", "y"]}, ["a", "b"], "product", False)
    ((_, _, _, blob),) = plan_chunks(items, ("a", "b"), 10)
    assert loads(blob) == {"a": [1, 1, 2, 2], "b": ["x", "y", "x", "y"]}


def test_results_round_trip_with_failures_in_place():
    error = ValueError("boom")
    outcomes = [
        RunResult({"y": 1}, RunStatus.COMPLETED, run_id="run-000000000001"),
        RunResult({}, RunStatus.FAILED, run_id="run-000000000002", error=error),
        KeyError("k"),
        RunResult({"y": 4}, RunStatus.COMPLETED, run_id="run-000000000004"),
    ]
    back, events = load_outcomes(dump_outcomes(outcomes, ["e"], None, range(4)))
    assert events == ["e"]
    assert [type(o).__name__ for o in back] == ["RunResult", "RunResult", "KeyError", "RunResult"]
    assert back[0] == outcomes[0] and back[3] == outcomes[3]
    assert list(back[0].values()) == [1]  # values stays the callable OutputValues
    assert back[1].status == RunStatus.FAILED and str(back[1].error) == "boom"
