"""Map item planning: zip/product order, broadcast sharing, clone copying, eager errors."""

from __future__ import annotations

import itertools
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hypergraph.exceptions import GraphConfigError
from hypergraph.runners.map_plan import plan_items

small_lists = st.lists(st.integers(), max_size=6)


@given(st.lists(st.integers(), max_size=8), st.data())
def test_zip_items_follow_builtin_zip(a, data):
    b = data.draw(st.lists(st.text(max_size=3), min_size=len(a), max_size=len(a)))
    count, items = plan_items({"a": a, "b": b, "k": "shared"}, ["a", "b"], "zip", False)
    produced = list(items)
    assert count == len(a) == len(produced)
    assert [(i["a"], i["b"]) for i in produced] == list(zip(a, b))
    assert all(i["k"] == "shared" for i in produced)


@given(small_lists, small_lists, small_lists)
def test_product_items_follow_itertools_product_first_name_slowest(a, b, c):
    count, items = plan_items({"a": a, "b": b, "c": c}, ["a", "b", "c"], "product", False)
    produced = [(i["a"], i["b"], i["c"]) for i in items]
    assert produced == list(itertools.product(a, b, c))
    assert count == len(a) * len(b) * len(c)


def test_product_of_two_pairs_gives_four_items_in_spec_order():
    count, items = plan_items({"a": [1, 2], "b": [10, 20]}, ["a", "b"], "product", False)
    assert count == 4
    assert [(i["a"], i["b"]) for i in items] == [(1, 10), (1, 20), (2, 10), (2, 20)]


def test_single_str_map_over_iterates_that_name():
    count, items = plan_items({"x": [3, 4]}, "x", "zip", False)
    assert count == 2
    assert list(items) == [{"x": 3}, {"x": 4}]


def test_tuples_ranges_and_sets_can_be_mapped():
    count, items = plan_items({"x": range(3), "y": (7, 8, 9)}, ["x", "y"], "zip", False)
    assert count == 3
    assert [(i["x"], i["y"]) for i in items] == [(0, 7), (1, 8), (2, 9)]


def test_huge_product_is_planned_lazily():
    big = list(range(10_000))
    count, items = plan_items({"a": big, "b": big}, ["a", "b"], "product", False)
    assert count == 100_000_000
    assert next(items) == {"a": 0, "b": 0}
    assert next(items) == {"a": 0, "b": 1}


def test_items_are_fresh_dicts_and_input_values_are_untouched():
    values = {"x": [1, 2], "cfg": {"k": 1}}
    _, items = plan_items(values, "x", "zip", False)
    first, second = list(items)
    first["extra"] = True
    assert "extra" not in second
    assert values == {"x": [1, 2], "cfg": {"k": 1}}


def test_broadcast_values_are_shared_by_reference_without_clone():
    cfg = {"k": 1}
    _, items = plan_items({"x": [1, 2, 3], "cfg": cfg}, "x", "zip", False)
    assert all(item["cfg"] is cfg for item in items)


def test_clone_true_gives_each_item_its_own_copy_of_every_broadcast_value():
    cfg, tags = {"k": [1]}, ["t"]
    _, items = plan_items({"x": [1, 2, 3], "cfg": cfg, "tags": tags}, "x", "zip", True)
    produced = list(items)
    assert all(item["cfg"] == cfg and item["cfg"] is not cfg for item in produced)
    assert len({id(item["cfg"]) for item in produced}) == 3
    assert len({id(item["tags"]) for item in produced}) == 3


def test_clone_list_copies_only_named_values():
    cfg, shared = {"k": 1}, {"s": 2}
    _, items = plan_items({"x": [1, 2], "cfg": cfg, "shared": shared}, "x", "zip", ["cfg"])
    produced = list(items)
    assert all(item["shared"] is shared for item in produced)
    assert produced[0]["cfg"] is not produced[1]["cfg"]
    assert all(item["cfg"] is not cfg and item["cfg"] == cfg for item in produced)


def test_mutating_a_cloned_value_in_one_item_leaves_the_others_intact():
    _, items = plan_items({"x": [1, 2], "acc": []}, "x", "zip", True)
    first, second = list(items)
    first["acc"].append("only-first")
    assert second["acc"] == []


def test_empty_mapped_list_gives_zero_items():
    count, items = plan_items({"x": [], "k": 1}, "x", "zip", False)
    assert count == 0
    assert list(items) == []


def test_product_with_an_empty_list_gives_zero_items():
    count, items = plan_items({"a": [1, 2], "b": []}, ["a", "b"], "product", False)
    assert count == 0
    assert list(items) == []


def test_missing_map_over_name_raises_key_error_listing_available_keys():
    with pytest.raises(KeyError) as info:
        plan_items({"text": ["a"], "k": 1}, "txt", "zip", False)
    message = str(info.value)
    assert "txt" in message and "text" in message and "'k'" in message


@pytest.mark.parametrize("value", ["abc", 5, b"xy", {"a": 1}, (i for i in range(2))])
def test_non_sized_or_string_mapped_value_raises_type_error_with_fix(value):
    with pytest.raises(TypeError, match="sized iterable") as info:
        plan_items({"x": value}, "x", "zip", False)
    assert "'x'" in str(info.value) and "[value]" in str(info.value)


def test_zip_with_unequal_lengths_raises_and_shows_each_length():
    with pytest.raises(ValueError, match="equal lengths") as info:
        plan_items({"a": [1, 2, 3], "b": [1]}, ["a", "b"], "zip", False)
    message = str(info.value)
    assert "'a' has 3" in message and "'b' has 1" in message


def test_unknown_mode_raises_value_error():
    with pytest.raises(ValueError, match="Invalid map mode 'cross'"):
        plan_items({"a": [1]}, "a", "cross", False)


def test_empty_map_over_list_raises_value_error():
    with pytest.raises(ValueError, match="at least one"):
        plan_items({"a": [1]}, [], "zip", False)


def test_repeated_map_over_name_raises_value_error():
    with pytest.raises(ValueError, match="more than once"):
        plan_items({"a": [1]}, ["a", "a"], "zip", False)


def test_clone_name_not_in_values_raises_value_error():
    with pytest.raises(ValueError, match="'cfg'"):
        plan_items({"x": [1]}, "x", "zip", ["cfg"])


def test_cloning_a_mapped_name_raises_value_error():
    with pytest.raises(ValueError, match="Cannot clone mapped parameter 'x'"):
        plan_items({"x": [1]}, "x", "zip", ["x"])


@pytest.mark.parametrize("clone", ["cfg", ("cfg",), 1, None])
def test_clone_of_wrong_type_raises_type_error(clone):
    with pytest.raises(TypeError, match="clone must be bool or list"):
        plan_items({"x": [1], "cfg": {}}, "x", "zip", clone)


def test_uncopyable_clone_value_raises_before_any_item():
    lock = threading.Lock()
    with pytest.raises(GraphConfigError, match="cannot be deep-copied for clone") as info:
        plan_items({"x": [1, 2], "lock": lock}, "x", "zip", ["lock"])
    assert "'lock'" in str(info.value)


def test_uncopyable_value_is_fine_when_not_cloned():
    lock = threading.Lock()
    _, items = plan_items({"x": [1, 2], "lock": lock, "cfg": {}}, "x", "zip", ["cfg"])
    assert all(item["lock"] is lock for item in items)
