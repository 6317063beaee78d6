"""The storage half of the Checkpointer protocol, the same for every backend."""

from __future__ import annotations

import json
import time

import pytest

from hypergraph.checkpointers import Checkpointer, Run, StepRecord, StepStatus, WorkflowStatus
from hypergraph.checkpointers.base import (
    Lease,
    LeaseLostError,
    RunUpdate,
    WriteBatch,
    new_owner,
    step_record,
    step_row,
)


def _run(run_id: str, **fields: object) -> Run:
    return Run(id=run_id, graph_name="g", config={"graph_struct_hash": "s"}, **fields)  # type: ignore[arg-type]


def _step(cp: Checkpointer, run_id: str, index: int, node: str, superstep: int, **values: object):
    record = StepRecord(
        run_id=run_id,
        superstep=superstep,
        node_name=node,
        index=index,
        input_versions={"x": 1},
        values=dict(values),
        output_versions={name: index + 1 for name in values},
        created_at=time.time(),
        completed_at=time.time(),
    )
    return step_row(record, cp.serializer.dumps(record.values))


def _create(cp: Checkpointer, run_id: str, inputs: dict | None = None, **fields: object) -> None:
    batch = WriteBatch(
        new_runs=[
            (_run(run_id, created_at=time.time(), **fields), cp.serializer.dumps(inputs or {}))
        ]
    )
    cp._write(batch, None)


def test_created_run_reads_back_with_its_inputs(checkpointer: Checkpointer) -> None:
    _create(checkpointer, "wf-1", {"x": 1, "name": "ada"})
    run = checkpointer.get_run("wf-1")
    assert run is not None
    assert run.status is WorkflowStatus.ACTIVE
    assert run.graph_name == "g"
    assert run.config == {"graph_struct_hash": "s"}
    assert checkpointer.inputs("wf-1") == {"x": 1, "name": "ada"}
    assert checkpointer.get_run("nope") is None


def test_steps_read_back_in_index_order_and_up_to_a_superstep(checkpointer: Checkpointer) -> None:
    _create(checkpointer, "wf-1", {"x": 1})
    rows = [_step(checkpointer, "wf-1", i, f"n{i}", superstep=i // 2, y=i) for i in range(5)]
    checkpointer._write(WriteBatch(steps=list(reversed(rows))), None)
    steps = checkpointer.steps("wf-1")
    assert [s.index for s in steps] == [0, 1, 2, 3, 4]
    assert steps[3].values == {"y": 3}
    assert steps[3].status is StepStatus.COMPLETED
    assert steps[3].input_versions == {"x": 1}
    assert steps[3].output_versions == {"y": 4}
    assert [s.index for s in checkpointer.steps("wf-1", superstep=1)] == [0, 1, 2, 3]
    assert checkpointer.state("wf-1") == {"x": 1, "y": 4}
    assert checkpointer.state("wf-1", superstep=0) == {"x": 1, "y": 1}


def test_gate_decision_and_failure_round_trip(checkpointer: Checkpointer) -> None:
    _create(checkpointer, "wf-1")
    gate = StepRecord("wf-1", 0, "route", 0, decision=["a", "END"], node_type="gate")
    failed = StepRecord("wf-1", 1, "a", 1, status=StepStatus.FAILED, error="ValueError: boom")
    rows = [step_row(s, checkpointer.serializer.dumps({})) for s in (gate, failed)]
    checkpointer._write(WriteBatch(steps=rows), None)
    back = checkpointer.steps("wf-1")
    assert back[0].decision == ["a", "END"] and back[0].node_type == "gate"
    assert back[1].status is StepStatus.FAILED and back[1].error == "ValueError: boom"
    assert checkpointer.state("wf-1") == {}  # failed steps add no values


def test_update_sets_status_and_counters(checkpointer: Checkpointer) -> None:
    _create(checkpointer, "wf-1")
    done = time.time()
    checkpointer._write(
        WriteBatch(updates=[RunUpdate("wf-1", "completed", 12.5, 3, 1, done)]), None
    )
    run = checkpointer.get_run("wf-1")
    assert run is not None
    assert (run.status, run.duration_ms, run.node_count, run.error_count) == (
        WorkflowStatus.COMPLETED, 12.5, 3, 1,
    )  # fmt: skip
    assert run.completed_at == pytest.approx(done)


def test_a_batch_is_one_transaction(checkpointer: Checkpointer) -> None:
    _create(checkpointer, "wf-1")
    duplicate = (_run("wf-1"), b"{}")
    batch = WriteBatch(steps=[_step(checkpointer, "wf-1", 0, "a", 0, y=1)], new_runs=[duplicate])
    with pytest.raises(Exception):  # noqa: B017 - each backend raises its own integrity error
        checkpointer._write(batch, None)
    assert checkpointer.steps("wf-1") == []


def test_delete_removes_the_run_its_steps_and_its_child_runs(checkpointer: Checkpointer) -> None:
    _create(checkpointer, "batch")
    _create(checkpointer, "batch/0", parent_run_id="batch")
    _create(checkpointer, "batchless")
    checkpointer._write(WriteBatch(steps=[_step(checkpointer, "batch/0", 0, "a", 0, y=1)]), None)
    checkpointer._write(WriteBatch(deletes=["batch"]), None)
    assert checkpointer.get_run("batch") is None
    assert checkpointer.get_run("batch/0") is None
    assert checkpointer.steps("batch/0") == []
    assert checkpointer.get_run("batchless") is not None


def test_prune_keeps_what_resuming_needs(checkpointer: Checkpointer) -> None:
    _create(checkpointer, "wf-1")
    # a loop: "a" and "b" alternate for three supersteps each, then "b" fails
    rows = []
    for turn in range(3):
        rows.append(_step(checkpointer, "wf-1", 2 * turn, "a", 2 * turn, y=turn))
        rows.append(_step(checkpointer, "wf-1", 2 * turn + 1, "b", 2 * turn + 1, z=turn))
    failed = StepRecord("wf-1", 6, "b", 6, status=StepStatus.FAILED, error="E: x")
    rows.append(step_row(failed, checkpointer.serializer.dumps({})))
    checkpointer._write(WriteBatch(steps=rows, prune=[("wf-1", None)]), None)
    assert [(s.node_name, s.index) for s in checkpointer.steps("wf-1")] == [
        ("a", 4), ("b", 5), ("b", 6),
    ]  # fmt: skip


def test_windowed_prune_also_keeps_the_last_supersteps(checkpointer: Checkpointer) -> None:
    _create(checkpointer, "wf-1")
    rows = [_step(checkpointer, "wf-1", i, "a", i, y=i) for i in range(6)]
    checkpointer._write(WriteBatch(steps=rows, prune=[("wf-1", 2)]), None)
    assert [s.superstep for s in checkpointer.steps("wf-1")] == [4, 5]


def test_runs_lists_top_level_runs_newest_first_with_filters(checkpointer: Checkpointer) -> None:
    now = time.time()
    for i, (run_id, name) in enumerate([("a", "g1"), ("b", "g2"), ("c", "g1")]):
        run = Run(id=run_id, graph_name=name, created_at=now + i)
        checkpointer._write(WriteBatch(new_runs=[(run, b"{}")]), None)
    child = Run(id="c/0", graph_name="g1", parent_run_id="c", created_at=now + 5)
    checkpointer._write(WriteBatch(new_runs=[(child, b"{}")]), None)
    checkpointer._write(WriteBatch(updates=[RunUpdate("b", "failed", 1.0, 0, 1, None)]), None)
    assert [r.id for r in checkpointer.runs()] == ["c", "b", "a"]
    assert [r.id for r in checkpointer.runs(graph_name="g1")] == ["c", "a"]
    assert [r.id for r in checkpointer.runs(status="failed")] == ["b"]
    assert [r.id for r in checkpointer.runs(since=now + 1)] == ["c", "b"]
    assert [r.id for r in checkpointer.runs(limit=1)] == ["c"]
    assert [r.id for r in checkpointer._read_children("c")] == ["c/0"]


async def test_async_read_api_matches_the_sync_one(checkpointer: Checkpointer) -> None:
    _create(checkpointer, "wf-1", {"x": 1})
    checkpointer._write(WriteBatch(steps=[_step(checkpointer, "wf-1", 0, "a", 0, y=2)]), None)
    assert await checkpointer.get_steps("wf-1") == checkpointer.steps("wf-1")
    assert await checkpointer.get_state("wf-1") == {"x": 1, "y": 2}
    assert [r.id for r in await checkpointer.list_runs()] == ["wf-1"]
    cp = await checkpointer.get_checkpoint("wf-1")
    assert cp.values == {"x": 1, "y": 2}
    assert cp.source_run_id == "wf-1" and cp.source_superstep == 0
    assert [s.node_name for s in cp.steps] == ["a"]


def test_checkpoint_of_an_unknown_run_says_so(checkpointer: Checkpointer) -> None:
    with pytest.raises(KeyError, match="No workflow 'nope'"):
        checkpointer.checkpoint("nope")


# ------------------------------------------------------------------------------ leases
def test_lease_is_exclusive_until_released(checkpointer: Checkpointer) -> None:
    from hypergraph import WorkflowBusyError

    first, second = new_owner(), new_owner()
    lease = checkpointer.acquire_lease("wf-1", first)
    with pytest.raises(WorkflowBusyError, match="'wf-1' is being run by"):
        checkpointer.acquire_lease("wf-1", second)
    checkpointer.acquire_lease("wf-1", first)  # the owner may take it again
    checkpointer.release_lease(lease)
    checkpointer.acquire_lease("wf-1", second)


def test_an_expired_lease_can_be_taken_over(checkpointer: Checkpointer) -> None:
    holder = "elsewhere:1:abcd"  # another machine: only expiry frees it
    assert checkpointer._try_lease("wf-1", holder, time.time() - 1, lambda *a: False) is None
    checkpointer.acquire_lease("wf-1", new_owner())


def test_a_dead_local_owner_loses_its_lease_at_once(checkpointer: Checkpointer) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    dead = new_owner().split(":")
    dead[1] = str(proc.pid)
    checkpointer._try_lease("wf-1", ":".join(dead), time.time() + 60, lambda *a: False)
    checkpointer.acquire_lease("wf-1", new_owner())  # not refused: its holder is gone


def test_writes_are_fenced_by_the_lease(checkpointer: Checkpointer) -> None:
    mine = checkpointer.acquire_lease("wf-1", new_owner())
    _create(checkpointer, "wf-1")
    checkpointer._write(WriteBatch(steps=[_step(checkpointer, "wf-1", 0, "a", 0, y=1)]), mine)
    checkpointer.release_lease(mine)
    checkpointer.acquire_lease("wf-1", new_owner())  # someone else now
    late = Lease("wf-1", mine.owner, time.time() + 60)
    with pytest.raises(LeaseLostError):
        checkpointer._write(WriteBatch(steps=[_step(checkpointer, "wf-1", 1, "b", 1, z=1)]), late)
    assert [s.node_name for s in checkpointer.steps("wf-1")] == ["a"]


def test_stored_config_is_plain_json(checkpointer: Checkpointer) -> None:
    _create(checkpointer, "wf-1")
    run = checkpointer.get_run("wf-1")
    assert run is not None
    json.dumps(run.config)


def _pack(cp: Checkpointer, parent: str, indexes: list[int]):
    """Items ``indexes`` of map ``parent`` (created with :func:`_create_map`) as one pack (one
    step ``a`` each, ``y = 10 * i``)."""
    from hypergraph.checkpointers.packs import ItemMapping, ItemPacker, StepShape

    shape = StepShape(0, "a", 0, '{"x": 1}', "FunctionNode", '{"y": 1}', ("y",))
    run = Run(id="", graph_name="g", config={"k": 1})
    mapping = ItemMapping(("x",), "zip")
    packer = ItemPacker(parent, run, [shape], cp.serializer, mapping)
    for i in indexes:  # as a packed map item queues itself (runners/durable/compiled_items.py)
        packer.items.extend((i, time.time(), 0.001, 10 * i))
    return packer.pack(packer.take())


def _create_map(cp: Checkpointer, run_id: str, **fields: object) -> None:
    """Map run ``run_id`` over ``x = [0, ..., 9]`` with ``k = "c"`` given to every item."""
    _create(cp, run_id, {"k": "c", "x": list(range(10))}, **fields)


def test_packed_items_read_as_runs_and_are_found_by_index(checkpointer: Checkpointer) -> None:
    _create_map(checkpointer, "m")
    _create(checkpointer, "m/0", parent_run_id="m")
    packs = _pack(checkpointer, "m", [3, 1, 2]) + _pack(checkpointer, "m", [5, 7])
    checkpointer._write(WriteBatch(packs=packs), None)
    assert sorted(r.id for r in checkpointer._read_children("m")) == [
        "m/0", "m/1", "m/2", "m/3", "m/5", "m/7",
    ]  # fmt: skip
    run = checkpointer.get_run("m/7")
    assert run is not None and run.status is WorkflowStatus.COMPLETED and run.config == {"k": 1}
    assert checkpointer.get_run("m/4") is None and checkpointer.get_run("m/6") is None
    assert checkpointer.state("m/2") == {"k": "c", "x": 2, "y": 20}
    assert list(checkpointer.inputs("m/2")) == ["k", "x"]
    assert [(s.node_name, s.status, s.output_versions) for s in checkpointer.steps("m/5")] == [
        ("a", StepStatus.COMPLETED, {"y": 1})
    ]
    assert checkpointer._load_packs("m", 6) == [packs[1]]  # its range holds 6, its items do not


def test_deleting_a_run_deletes_the_packs_under_it(checkpointer: Checkpointer) -> None:
    _create(checkpointer, "wf")
    _create_map(checkpointer, "wf/each@0", parent_run_id="wf")
    _create_map(checkpointer, "wfx")
    packs = _pack(checkpointer, "wf/each@0", [0, 1]) + _pack(checkpointer, "wfx", [0])
    checkpointer._write(WriteBatch(packs=packs), None)
    checkpointer._write(WriteBatch(deletes=["wf"]), None)
    assert checkpointer.get_run("wf/each@0/1") is None
    assert checkpointer._load_packs("wf/each@0", None) == []
    assert checkpointer.state("wfx/0") == {"k": "c", "x": 0, "y": 0}  # only "wf" and under it


def test_unpacking_a_map_turns_its_packs_into_rows(checkpointer: Checkpointer) -> None:
    _create_map(checkpointer, "m")
    checkpointer._write(WriteBatch(packs=_pack(checkpointer, "m", [0, 1])), None)
    before = [
        (
            checkpointer.get_run(f"m/{i}"),
            checkpointer.steps(f"m/{i}"),
            checkpointer.inputs(f"m/{i}"),
        )
        for i in (0, 1)
    ]
    batch = checkpointer.unpacked_items("m")
    checkpointer._write(batch, None)
    assert checkpointer._load_packs("m", None) == []
    assert checkpointer.unpacked_items("m").new_runs == []
    after = [
        (checkpointer._load_run(f"m/{i}"), checkpointer._load_steps(f"m/{i}", None),
         checkpointer._load_inputs(f"m/{i}"))
        for i in (0, 1)
    ]  # fmt: skip
    loads = checkpointer.serializer.loads
    assert [(run, [step_record(row, loads(row.values)) for row in rows], loads(inputs))
            for run, rows, inputs in after] == before  # fmt: skip
    assert before[1][2] == {"k": "c", "x": 1}
