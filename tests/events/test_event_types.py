"""Event dataclasses: defaults, immutability, status coercion (docs/guides/events.md)."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import re
import time
import typing

import pytest

import hypergraph
from hypergraph.events import (
    BaseEvent,
    CacheHitEvent,
    Event,
    InterruptEvent,
    NodeAttemptEndEvent,
    NodeAttemptStartEvent,
    NodeEndEvent,
    NodeErrorEvent,
    NodeStartEvent,
    RouteDecisionEvent,
    RunEndEvent,
    RunStartEvent,
    RunStatus,
    StopRequestedEvent,
)
from hypergraph.runners.result import RunStatus as RunnerRunStatus

CONCRETE_EVENTS = [
    RunStartEvent,
    RunEndEvent,
    NodeStartEvent,
    NodeEndEvent,
    CacheHitEvent,
    NodeErrorEvent,
    NodeAttemptStartEvent,
    NodeAttemptEndEvent,
    RouteDecisionEvent,
    InterruptEvent,
    StopRequestedEvent,
]


@pytest.mark.parametrize("event_class", CONCRETE_EVENTS)
def test_event_is_constructible_from_run_id_alone(event_class):
    before = time.time()
    event = event_class("run-1")
    assert event.run_id == "run-1"
    assert re.fullmatch(r"[0-9a-f]{16}", event.span_id)
    assert event.parent_span_id is None
    assert before <= event.timestamp <= time.time()
    assert isinstance(event, BaseEvent)


@pytest.mark.parametrize("event_class", CONCRETE_EVENTS)
def test_event_fields_cannot_be_assigned(event_class):
    event = event_class("run-1")
    with pytest.raises(AttributeError):
        event.run_id = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        event.span_id = "0" * 16  # type: ignore[misc]


def test_each_event_gets_its_own_span_id():
    span_ids = {NodeStartEvent("run-1").span_id for _ in range(1000)}
    assert len(span_ids) == 1000


def test_span_ids_do_not_follow_the_global_random_seed():
    import random

    random.seed(1234)
    first = RunStartEvent("run-1").span_id
    random.seed(1234)
    second = RunStartEvent("run-1").span_id
    assert first != second


def test_explicit_span_and_parent_are_kept():
    event = NodeEndEvent("run-1", span_id="ab" * 8, parent_span_id="cd" * 8, node_name="f")
    assert event.span_id == "ab" * 8
    assert event.parent_span_id == "cd" * 8
    assert event.node_name == "f"


def test_field_defaults_match_the_spec():
    start = RunStartEvent("r")
    assert (start.graph_name, start.workflow_id, start.is_map, start.map_size) == (
        "",
        None,
        False,
        None,
    )
    end = RunEndEvent("r")
    assert (end.graph_name, end.status, end.error, end.duration_ms) == (
        "",
        RunStatus.COMPLETED,
        None,
        0.0,
    )
    node_end = NodeEndEvent("r")
    assert (node_end.node_name, node_end.graph_name, node_end.duration_ms, node_end.cached) == (
        "",
        "",
        0.0,
        False,
    )
    assert CacheHitEvent("r").cache_key == ""
    error = NodeErrorEvent("r")
    assert (error.error, error.error_type) == ("", "")
    assert RouteDecisionEvent("r").decision == ""
    interrupt = InterruptEvent("r")
    assert (interrupt.workflow_id, interrupt.value, interrupt.response_param) == (None, None, "")
    assert StopRequestedEvent("r").workflow_id is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("failed", RunStatus.FAILED),
        ("completed", RunStatus.COMPLETED),
        ("FAILED", RunStatus.FAILED),
        (RunStatus.FAILED, RunStatus.FAILED),
        (RunnerRunStatus.FAILED, RunStatus.FAILED),
        (RunnerRunStatus.COMPLETED, RunStatus.COMPLETED),
    ],
)
def test_run_end_status_is_coerced_to_the_event_enum(given, expected):
    event = RunEndEvent("r", status=given)
    assert event.status is expected
    assert type(event.status) is RunStatus


@pytest.mark.parametrize("bad", ["paused", "done", 3, None])
def test_run_end_status_rejects_unknown_values_with_the_allowed_ones(bad):
    with pytest.raises(ValueError, match="'completed', 'failed'"):
        RunEndEvent("r", status=bad)


def test_event_run_status_is_separate_from_the_runner_enum_and_compares_to_strings():
    assert RunStatus is not RunnerRunStatus
    assert [member.value for member in RunStatus] == ["completed", "failed"]
    assert RunStatus.FAILED == "failed"
    assert str(RunStatus.COMPLETED) == "completed"


def test_event_union_lists_every_concrete_class():
    assert set(typing.get_args(Event)) == set(CONCRETE_EVENTS)
    assert isinstance(NodeStartEvent("r"), Event)
    assert not isinstance(BaseEvent("r"), Event)


def test_events_are_dataclasses_with_value_equality():
    event = NodeStartEvent("r", node_name="f")
    assert dataclasses.is_dataclass(event)
    assert dataclasses.replace(event) == event
    assert dataclasses.replace(event, node_name="g") != event


def test_graph_name_may_be_none():
    assert RunStartEvent("r", graph_name=None).graph_name is None


def test_public_names_are_exported_from_the_top_level_package():
    for name in ["BaseEvent", "Event", "EventDispatcher", "TypedEventProcessor", "RunEndEvent"]:
        assert getattr(hypergraph, name) is getattr(hypergraph.events, name)


@pytest.mark.parametrize("event_class", CONCRETE_EVENTS)
def test_constructor_parameters_follow_the_dataclass_fields(event_class):
    names = [f.name for f in dataclasses.fields(event_class)]
    assert list(inspect.signature(event_class).parameters) == names
    values = {name: f"value-{index}" for index, name in enumerate(names)}
    values["span_id"], values["timestamp"] = "ef" * 8, 12.5
    if event_class is RunEndEvent:
        values["status"] = "failed"
    by_keyword = event_class(**values)
    by_position = event_class(*values.values())
    assert by_keyword == by_position
    for name, value in values.items():
        expected = RunStatus.FAILED if name == "status" else value
        assert getattr(by_position, name) == expected


def test_omitted_or_none_span_id_and_timestamp_are_generated():
    before = time.time()
    event = NodeEndEvent("r", span_id=None, timestamp=None)
    assert re.fullmatch(r"[0-9a-f]{16}", event.span_id)
    assert before <= event.timestamp <= time.time()
    assert NodeEndEvent("r", timestamp=3.0).timestamp == 3.0


def test_event_fields_cannot_be_deleted():
    event = RunStartEvent("r")
    with pytest.raises(AttributeError):
        del event.graph_name


def test_replace_coerces_a_string_status():
    event = dataclasses.replace(RunEndEvent("r"), status="failed", error="boom")
    assert event.status is RunStatus.FAILED and event.error == "boom"


@pytest.mark.parametrize("event_class", CONCRETE_EVENTS)
def test_events_survive_pickling_and_copying(event_class):
    # Distributed runners ship events back from worker processes.
    event = event_class("run-1", parent_span_id="cd" * 8)
    restored = pickle.loads(pickle.dumps(event))
    assert restored == event and type(restored) is event_class
    assert copy.deepcopy(event) == event
    with pytest.raises(AttributeError):
        restored.run_id = "other"  # type: ignore[misc]


def test_repr_names_the_class_and_fields():
    text = repr(NodeStartEvent("r", node_name="fetch"))
    assert text.startswith("NodeStartEvent(run_id='r', span_id='")
    assert "node_name='fetch'" in text
