"""A failure says where it happened: the node, and for maps the item, in exception notes.

The exception itself is unchanged (same type, same message); the location goes into
``__notes__`` (printed under the traceback) and ``RunResult.failed_node``.
"""

from __future__ import annotations

import pytest

from hypergraph import AsyncRunner, Graph, SyncRunner, node


@node(output_name="y")
def checked(x: int, label: str = "") -> int:
    if x == 3:
        raise ValueError("x must not be 3")
    return x * 10


scale = Graph([checked], name="scale")


def _notes(exc: BaseException) -> list[str]:
    return list(getattr(exc, "__notes__", []))


def test_failing_map_item_keeps_its_exception_and_notes_the_item_and_node():
    with pytest.raises(ValueError) as info:
        SyncRunner().map(scale, x=[1, 2, 3, 4], map_over="x")
    assert str(info.value) == "x must not be 3"  # the node's own message, untouched
    notes = _notes(info.value)
    assert "hypergraph: raised by node 'checked' of graph 'scale'" in notes
    assert "hypergraph: map() failed at item index 2 of 4: x=3" in notes


async def test_async_map_notes_the_first_failing_item():
    with pytest.raises(ValueError) as info:
        await AsyncRunner().map(scale, x=[3, 1], map_over="x")
    assert "hypergraph: map() failed at item index 0 of 2: x=3" in _notes(info.value)


def test_continue_map_records_the_item_on_the_failed_results_error():
    results = SyncRunner().map(scale, x=[1, 3], map_over="x", error_handling="continue")
    failed = results[1]
    assert failed.status == "failed" and failed.failed_node == "checked"
    assert "hypergraph: map() failed at item index 1 of 2: x=3" in _notes(failed.error)
    assert results[0].failed_node is None


def test_item_inputs_in_the_note_are_shortened():
    long_label = "a" * 500
    with pytest.raises(ValueError) as info:
        SyncRunner().map(scale, x=[3], label=[long_label], map_over=["x", "label"])
    (note,) = [n for n in _notes(info.value) if "item index" in n]
    assert note.startswith("hypergraph: map() failed at item index 0 of 1: x=3, label='aaa")
    assert note.endswith("...") and len(note) < 200


batch = Graph([scale.as_node().map_over("x")], name="batch")


def _assert_map_over_notes(exc: BaseException) -> None:
    assert str(exc) == "x must not be 3"
    notes = _notes(exc)
    assert "hypergraph: map_over of node 'scale' failed at item index 1 of 2: x=3" in notes
    assert "hypergraph: raised by node 'checked' of graph 'scale'" in notes


def test_failing_map_over_item_names_the_mapped_node_and_the_item():
    with pytest.raises(ValueError) as info:
        SyncRunner().run(batch, x=[1, 3])
    _assert_map_over_notes(info.value)


async def test_async_map_over_failure_names_the_mapped_node_and_the_item():
    with pytest.raises(ValueError) as info:
        await AsyncRunner().run(batch, x=[1, 3])
    _assert_map_over_notes(info.value)


def test_failed_run_result_names_the_failed_node_through_nesting():
    outer = Graph([scale.as_node()], name="outer")
    result = SyncRunner().run(outer, x=3, error_handling="continue")
    assert result.status == "failed" and result.failed_node == "scale/checked"
    assert "failed_node='scale/checked'" in repr(result)
    with pytest.raises(KeyError, match="failed in node 'scale/checked'"):
        result["y"]


def test_completed_run_has_no_failed_node_and_an_unchanged_repr():
    result = SyncRunner().run(scale, x=1)
    assert result.failed_node is None and "failed_node" not in repr(result)
