"""Run state versioning (docs/guides/running.md, "State") and input resolution helpers."""

from __future__ import annotations

import pytest

from hypergraph.engine.resolve import build_call_shape
from hypergraph.engine.state import RunState, values_differ


class Incomparable:
    """Equality raises, like comparing two numpy arrays in a boolean context."""

    def __eq__(self, other):
        raise ValueError("ambiguous")

    def __ne__(self, other):
        raise ValueError("ambiguous")

    __hash__ = object.__hash__


def test_supplied_values_start_at_version_one():
    state = RunState(2, {"x": 1})
    assert state.versions == {"x": 1}
    assert state.consumed == [None, None]


def test_new_name_and_unequal_value_bump_the_version():
    state = RunState(0, {})
    assert state.write("a", [1]) is True
    assert state.versions["a"] == 1
    assert state.write("a", [2]) is True
    assert state.versions["a"] == 2


def test_equal_value_does_not_bump_the_version():
    state = RunState(0, {"a": [1, 2]})
    assert state.write("a", [1, 2]) is False
    assert state.versions["a"] == 1


def test_failing_comparison_falls_back_to_identity():
    first, second = Incomparable(), Incomparable()
    assert values_differ(first, first) is False
    assert values_differ(first, second) is True
    state = RunState(0, {"a": first})
    assert state.write("a", first) is False
    assert state.write("a", second) is True


def test_every_emission_bumps_the_signal_version():
    state = RunState(0, {})
    state.emit("done")
    state.emit("done")
    assert state.versions["done"] == 2


def test_snapshot_versions_defaults_absent_names_to_zero():
    state = RunState(0, {"a": 1})
    assert state.snapshot_versions(("a", "missing")) == (1, 0)


def test_copy_is_independent():
    state = RunState(1, {"a": 1})
    clone = state.copy()
    clone.write("a", 2)
    clone.decisions[0] = frozenset()
    assert state.values == {"a": 1} and state.decisions == {}


def _positional(a, /, b):
    return (a, b)


def _variadic(a, *rest, key=1, **extra):
    return (a, rest, key, extra)


def test_call_shape_keeps_plain_functions_keyword_only():
    def plain(a, b=2, *, c):
        return a

    shape = build_call_shape(plain)
    assert shape.simple
    assert shape.split({"a": 1, "c": 3}) == ((), {"a": 1, "c": 3})


@pytest.mark.parametrize(
    ("func", "params", "expected"),
    [
        (_positional, {"a": 1, "b": 2}, (1, 2)),
        (_variadic, {"a": 1, "rest": [2, 3], "extra": {"z": 0}}, (1, (2, 3), 1, {"z": 0})),
        (_variadic, {"a": 1, "rest": (), "key": 5, "extra": {}}, (1, (), 5, {})),
    ],
)
def test_call_shape_places_positional_and_variadic_parameters(func, params, expected):
    args, kwargs = build_call_shape(func).split(params)
    assert func(*args, **kwargs) == expected


def test_call_shape_of_a_builtin_without_signature_falls_back_to_keywords():
    shape = build_call_shape(max)  # inspect.signature(max) raises ValueError
    assert shape.simple
    assert shape.split({"a": 1}) == ((), {"a": 1})
