"""When steps are written (durability), which are kept (retention), and what events show."""

from __future__ import annotations

import pytest

from hypergraph import END, Graph, SyncRunner, node, route
from hypergraph.checkpointers import CheckpointPolicy, WorkflowStatus
from hypergraph.events import EventProcessor, NodeEndEvent, RunStartEvent


class Events(EventProcessor):
    def __init__(self) -> None:
        self.events: list[object] = []

    def on_event(self, event: object) -> None:
        self.events.append(event)


def counter(limit: int, calls: list[int], fail_at: set[int] | None = None) -> Graph:
    @node(output_name="count")
    def step(count: int) -> int:
        calls.append(count)
        if fail_at and count in fail_at:
            fail_at.discard(count)
            raise RuntimeError(f"crash at {count}")
        return count + 1

    @route(targets=["step", END])
    def again(count: int) -> object:
        return "step" if count < limit else END

    return Graph([step, again], name="counter")


def test_async_durability_stores_everything_by_the_time_run_returns(make_checkpointer) -> None:
    cp = make_checkpointer()  # the default policy: async, full
    assert cp.policy.durability == "async"
    result = SyncRunner(checkpointer=cp).run(counter(5, []), count=0, workflow_id="wf-1")
    assert result.checkpoint_ok and result.checkpoint_errors == ()
    assert cp.get_run("wf-1").status is WorkflowStatus.COMPLETED
    assert len(cp.steps("wf-1")) == 11  # 6 decisions, 5 steps


def test_a_failed_background_write_does_not_fail_the_run(make_checkpointer, monkeypatch) -> None:
    cp = make_checkpointer(durability="async")
    real_write = cp._write

    def failing(batch, lease):
        if batch.steps:
            raise OSError("disk full")
        real_write(batch, lease)

    monkeypatch.setattr(cp, "_write", failing)
    result = SyncRunner(checkpointer=cp).run(counter(3, []), count=0, workflow_id="wf-1")
    assert result["count"] == 3
    assert result.checkpoint_ok is False
    assert any(isinstance(e, OSError) for e in result.checkpoint_errors)


def test_a_failed_write_under_sync_durability_fails_the_run(make_checkpointer, monkeypatch) -> None:
    cp = make_checkpointer(durability="sync")
    real_write = cp._write
    calls: list[int] = []

    def failing(batch, lease):
        if batch.steps:
            raise OSError("disk full")
        real_write(batch, lease)

    monkeypatch.setattr(cp, "_write", failing)
    with pytest.raises(OSError, match="disk full"):
        SyncRunner(checkpointer=cp).run(counter(3, calls), count=0, workflow_id="wf-1")
    assert calls == []  # the first superstep (the gate) could not be stored: nothing further ran


def test_exit_durability_writes_once_at_the_end(make_checkpointer) -> None:
    cp = make_checkpointer(durability="exit", retention="latest")
    seen: list[object] = []

    @node(output_name="y")
    def look(x: int) -> int:
        seen.append(cp.get_run("wf-1"))
        return x

    SyncRunner(checkpointer=cp).run(Graph([look]), x=1, workflow_id="wf-1")
    assert seen == [None]
    assert cp.get_run("wf-1").status is WorkflowStatus.COMPLETED
    assert cp.state("wf-1") == {"x": 1, "y": 1}


def test_latest_retention_keeps_one_step_per_node_and_still_resumes(make_checkpointer) -> None:
    cp = make_checkpointer(durability="sync", retention="latest")
    calls: list[int] = []
    runner = SyncRunner(checkpointer=cp)
    with pytest.raises(RuntimeError):
        runner.run(counter(30, calls, fail_at={20}), count=0, workflow_id="wf-1")
    kept = cp.steps("wf-1")
    assert sorted((s.node_name, s.status.value) for s in kept) == [
        ("again", "completed"), ("step", "completed"), ("step", "failed"),
    ]  # fmt: skip
    result = runner.run(counter(30, calls), count=0, workflow_id="wf-1")
    assert result["count"] == 30
    assert calls == [*range(21), *range(20, 30)]
    assert len(cp.steps("wf-1")) == 2


def test_windowed_retention_keeps_the_last_supersteps(make_checkpointer) -> None:
    policy = CheckpointPolicy(durability="sync", retention="windowed", window=4)
    cp = make_checkpointer(policy=policy)
    SyncRunner(checkpointer=cp).run(counter(10, []), count=0, workflow_id="wf-1")
    supersteps = sorted({s.superstep for s in cp.steps("wf-1")})
    assert supersteps == [17, 18, 19, 20]


def test_events_are_the_same_with_a_checkpointer(make_checkpointer) -> None:
    def kinds(runner: SyncRunner, **options: object) -> list[str]:
        events = Events()
        runner.run(counter(3, []), count=0, event_processors=[events], **options)
        return [type(e).__name__ for e in events.events]

    plain = kinds(SyncRunner())
    durable_events = Events()
    SyncRunner(checkpointer=make_checkpointer()).run(
        counter(3, []), count=0, event_processors=[durable_events], workflow_id="wf-1"
    )
    assert [type(e).__name__ for e in durable_events.events] == plain
    start = durable_events.events[0]
    assert isinstance(start, RunStartEvent) and start.workflow_id == "wf-1"
    assert sum(isinstance(e, NodeEndEvent) for e in durable_events.events) == 7
