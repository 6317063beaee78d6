"""RunResult, RunStatus, PauseInfo and ErrorHandling as the runners page describes them
(docs/reference/runners.md)."""

from __future__ import annotations

import typing
from dataclasses import dataclass

import pytest

from hypergraph import ErrorHandling, Graph, PauseInfo, RunResult, RunStatus, SyncRunner, node
from hypergraph.runners import RunnerCapabilities


@node(output_name="doubled")
def double(x: int) -> int:
    return x * 2


def test_run_status_members_are_strings_equal_to_their_values():
    assert issubclass(RunStatus, str)
    assert [(m.name, m.value) for m in RunStatus] == [
        ("COMPLETED", "completed"),
        ("FAILED", "failed"),
        ("PAUSED", "paused"),
    ]
    assert RunStatus.COMPLETED == "completed" and RunStatus("paused") is RunStatus.PAUSED


def test_error_handling_is_the_raise_or_continue_literal():
    assert typing.get_origin(ErrorHandling) is typing.Literal
    assert typing.get_args(ErrorHandling) == ("raise", "continue")


def test_runner_capabilities_default_to_a_plain_cyclic_runner():
    assert RunnerCapabilities() == RunnerCapabilities(
        supports_cycles=True,
        supports_async_nodes=False,
        supports_streaming=False,
        returns_coroutine=False,
        supports_interrupts=False,
    )


def test_result_supports_the_standard_dict_operations():
    result = SyncRunner().run(Graph([double]), {"x": 5})
    assert result["doubled"] == 10
    assert result.get("doubled") == 10
    assert result.get("missing") is None and result.get("missing", default=0) == 0
    assert "doubled" in result and "missing" not in result
    assert list(result.keys()) == ["doubled"]
    assert list(result.values()) == [10]
    assert list(result.items()) == [("doubled", 10)]
    assert isinstance(result.values, dict) and result.values == {"doubled": 10}
    with pytest.raises(KeyError, match="missing"):
        result["missing"]


def test_missing_key_of_a_failed_result_points_to_the_error():
    @node(output_name="y")
    def explode(x: int) -> int:
        raise ValueError("boom")

    result = SyncRunner().run(Graph([explode]), x=1, error_handling="continue")
    with pytest.raises(KeyError, match="run failed .*boom.*result.error"):
        result["y"]


def test_result_built_by_hand_gets_defaults_a_status_enum_and_callable_values():
    result = RunResult({"a": 1}, "completed")
    assert result.status is RunStatus.COMPLETED and result.completed and not result.paused
    assert result.workflow_id is None and result.error is None and result.pause is None
    assert result.run_id.startswith("run-") and len(result.run_id) == 16
    assert list(result.values()) == [1]
    paused = RunResult({}, RunStatus.PAUSED, pause=PauseInfo("ask", "answer", "q?"))
    assert paused.paused and not paused.completed


def test_pause_info_resume_keys_at_top_level_and_when_nested():
    top = PauseInfo(node_name="approval", output_param="decision", value="draft")
    assert top.response_key == "decision"
    assert top.response_keys == {"decision": "decision"}
    assert top.output_params is None and top.values is None
    nested = PauseInfo(
        node_name="outer/review/ask",
        output_param="approved",
        value="draft",
        output_params=("approved", "feedback"),
        values={"draft": "draft", "topic": "t"},
    )
    assert nested.response_key == "outer.review.approved"
    assert nested.response_keys == {
        "approved": "outer.review.approved",
        "feedback": "outer.review.feedback",
    }


def test_repr_shows_status_values_and_metadata_in_order():
    result = RunResult({"doubled": 10}, RunStatus.COMPLETED, run_id="run-000000000001")
    assert repr(result) == (
        "RunResult(status=completed, values={'doubled': 10}, run_id='run-000000000001', "
        "workflow_id=None, error=None, pause=None)"
    )
    failed = RunResult({}, RunStatus.FAILED, error=ValueError("bad"))
    assert "status=failed" in repr(failed) and "error=ValueError('bad')" in repr(failed)


def test_repr_keeps_the_syntax_of_short_tuples_and_sets():
    text = repr(RunResult({"t": (1, 2), "one": (1,), "s": {3}, "f": frozenset({4})}, "completed"))
    assert "'t': (1, 2)" in text and "'one': (1,)" in text
    assert "'s': {3}" in text and "'f': frozenset({4})" in text


def test_repr_cuts_long_strings_and_long_sequences():
    text = repr(RunResult({"s": "a" * 500, "items": list(range(100))}, "completed"))
    assert "(len=500)" in text and "a" * 121 not in text
    assert "<list len=100 preview=[" in text


def test_repr_abbreviates_deep_nesting():
    text = repr(RunResult({"deep": {"a": {"b": {"c": {"d": 1}}}}}, "completed"))
    assert "'d'" not in text and "len=1" in text


def test_repr_prints_dataclasses_with_their_fields():
    @dataclass
    class Point:
        x: int
        y: int

    text = repr(RunResult({"p": Point(1, 2)}, "completed"))
    assert "'p': <Point {'x': 1, 'y': 2}>" in text


def test_repr_prints_array_likes_by_shape_and_dtype():
    class FakeArray:
        shape = (1000, 3)
        dtype = "float32"

        def __repr__(self) -> str:
            return "x" * 10_000

    text = repr(RunResult({"a": FakeArray()}, "completed"))
    assert "shape=(1000, 3)" in text and "dtype=float32" in text and "xxx" not in text


def test_repr_stays_short_for_many_huge_outputs():
    values = {f"out{i}": ["y" * 5000] * 50 for i in range(200)}
    assert len(repr(RunResult(values, "completed"))) <= 4000


def test_repr_pretty_emits_the_repr_or_a_placeholder_for_cycles():
    class Printer:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def text(self, part: str) -> None:
            self.parts.append(part)

    result = RunResult({"doubled": 10}, "completed")
    printer = Printer()
    result._repr_pretty_(printer, False)
    assert printer.parts == [repr(result)]
    printer = Printer()
    result._repr_pretty_(printer, True)
    assert printer.parts == ["RunResult(...)"]
