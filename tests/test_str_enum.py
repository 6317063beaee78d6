"""The library's string enums print as their values and compare equal to them."""

from __future__ import annotations

import pickle

import pytest

from hypergraph import RunStatus
from hypergraph.checkpointers import StepStatus, WorkflowStatus
from hypergraph.events import RunStatus as EventRunStatus

ENUMS = {
    RunStatus: ["completed", "failed", "paused"],
    EventRunStatus: ["completed", "failed"],
    WorkflowStatus: ["active", "paused", "stopped", "partial", "completed", "failed"],
    StepStatus: ["completed", "failed", "paused"],
}


@pytest.mark.parametrize("enum", list(ENUMS), ids=lambda enum: f"{enum.__module__}.{enum.__name__}")
def test_members_print_as_their_values_and_equal_them(enum) -> None:
    assert [member.value for member in enum] == ENUMS[enum]
    for member in enum:
        assert str(member) == f"{member}" == member.value
        assert member == member.value and enum(member.value) is member
        assert member.name == member.value.upper()
        assert pickle.loads(pickle.dumps(member)) is member
