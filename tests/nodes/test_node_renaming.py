"""Renaming nodes: copies, simultaneous renames, chains, history and errors
(docs/guides/nodes.md)."""

from __future__ import annotations

import pytest

from hypergraph import END, node, route
from hypergraph.nodes import RenameEntry, RenameError


@node(output_name="y", emit="done")
def scale(x: int, factor: int = 2) -> int:
    return x * factor


def test_with_name_returns_a_renamed_copy_and_leaves_original():
    renamed = scale.with_name("grow")
    assert renamed.name == "grow" and scale.name == "scale"
    assert type(renamed) is type(scale) and renamed is not scale
    assert renamed._rename_history == [
        RenameEntry("name", "scale", "grow", renamed._rename_history[0].batch_id)
    ]
    assert scale._rename_history == []


def test_with_inputs_accepts_dict_and_kwargs_merged():
    renamed = scale.with_inputs({"x": "value"}, factor="k")
    assert renamed.inputs == ("value", "k")
    assert renamed.map_inputs_to_params({"value": 1, "k": 3}) == {"x": 1, "factor": 3}
    assert scale.inputs == ("x", "factor")


def test_input_named_mapping_can_be_renamed_by_keyword():
    @node(output_name="out")
    def uses_mapping(mapping: dict) -> dict:
        return mapping

    assert uses_mapping.with_inputs(mapping="table").inputs == ("table",)


def test_nothing_to_rename_returns_an_equal_copy():
    for copy in (scale.with_inputs(), scale.with_outputs(), scale.with_inputs({})):
        assert copy is not scale
        assert (copy.name, copy.inputs, copy.outputs) == (scale.name, scale.inputs, scale.outputs)


def test_same_call_swap_is_simultaneous_and_maps_back_correctly():
    @node(output_name="d")
    def diff(a: int, b: int) -> int:
        return a - b

    swapped = diff.with_inputs(a="b", b="a")
    assert swapped.inputs == ("b", "a")
    params = swapped.map_inputs_to_params({"b": 10, "a": 3})
    assert params == {"a": 10, "b": 3} and swapped.func(**params) == 7


def test_successive_renames_chain_back_to_the_parameter():
    chained = scale.with_inputs(x="mid").with_inputs(mid="z")
    assert chained.inputs == ("z", "factor")
    assert chained.map_inputs_to_params({"z": 5}) == {"x": 5}
    assert chained.defaults == {"factor": 2}


def test_renaming_an_unknown_input_lists_current_inputs():
    with pytest.raises(RenameError, match=r"'nope' not found\. Current inputs: \('x', 'factor'\)"):
        scale.with_inputs(nope="x2")


def test_renaming_a_misspelt_input_suggests_the_close_match():
    with pytest.raises(RenameError, match=r"'factr' not found\..*Did you mean 'factor'\?"):
        scale.with_inputs(factr="f")


def test_renaming_from_an_old_name_shows_the_chain():
    once = scale.with_inputs(x="y2")
    with pytest.raises(RenameError, match="'x' was renamed: x→y2"):
        once.with_inputs(x="again")
    twice = once.with_inputs(y2="z")
    with pytest.raises(RenameError, match="'x' was renamed: x→y2→z"):
        twice.with_inputs(x="again")


def test_swap_history_does_not_loop_in_chain_message():
    @node(output_name="d")
    def diff(a: int, b: int) -> int:
        return a - b

    swapped = diff.with_inputs(a="b", b="a").with_inputs(a="c")
    assert swapped.inputs == ("b", "c")
    with pytest.raises(RenameError, match="'a' was renamed: a→b\\. Current inputs"):
        swapped.with_inputs(a="q")


def test_rename_creating_duplicates_raises():
    with pytest.raises(RenameError, match="duplicate"):
        scale.with_inputs(x="factor")
    with pytest.raises(RenameError, match="duplicate"):
        scale.with_outputs(y="done")


def test_with_outputs_renames_data_outputs_and_keeps_emit_names():
    renamed = scale.with_outputs(y="scaled")
    assert renamed.outputs == ("scaled", "done") and renamed.data_outputs == ("scaled",)
    assert renamed.get_output_type("scaled") is int and renamed.get_output_type("y") is None
    assert renamed.wrap_outputs(4) == {"scaled": 4}


def test_with_outputs_can_rename_emit_names():
    renamed = scale.with_outputs(done="finished")
    assert renamed.outputs == ("y", "finished") and renamed.data_outputs == ("y",)


def test_unknown_output_rename_lists_current_outputs():
    with pytest.raises(RenameError, match=r"Current outputs: \('y', 'done'\)"):
        scale.with_outputs(zzz="a")


def test_wait_for_names_can_be_renamed_with_inputs():
    @node(output_name="o", wait_for="ready")
    def later(x):
        return x

    assert later.with_inputs(ready="go").wait_for == ("go",)


def test_renames_keep_flags_hash_and_record_history():
    cached = node(scale.func, output_name="y", cache=True, hide=True)
    renamed = cached.with_inputs(x="a").with_outputs(y="b").with_name("c")
    assert renamed.cache and renamed.hide
    assert renamed.definition_hash == cached.definition_hash
    assert [(e.kind, e.old, e.new) for e in renamed._rename_history] == [
        ("inputs", "x", "a"),
        ("outputs", "y", "b"),
        ("name", "scale", "c"),
    ]
    assert cached._rename_history == []


def test_same_call_renames_share_a_batch_id():
    renamed = scale.with_inputs(x="a", factor="b")
    first, second = renamed._rename_history
    assert first.batch_id == second.batch_id is not None


def test_rename_entry_is_frozen_and_hashable():
    entry = RenameEntry("inputs", "a", "b")
    assert entry.batch_id is None and hash(entry) == hash(RenameEntry("inputs", "a", "b"))
    with pytest.raises(AttributeError):
        entry.old = "c"


def test_gate_renames_return_gates_with_same_targets():
    @route(targets=["a", END])
    def decide(v: int):
        return END

    renamed = decide.with_inputs(v="value").with_name("choose")
    assert type(renamed) is type(decide) and renamed.targets == ["a", END]
    assert renamed.inputs == ("value",) and renamed.name == "choose"
    assert renamed.map_inputs_to_params({"value": 1}) == {"v": 1}
