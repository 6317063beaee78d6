"""hypergraph._typing: safe annotation lookup and is_type_compatible (docs/guides/graphs.md)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Optional, TypeVar, Union

import pytest

from hypergraph._typing import NoAnnotation, Unresolvable, is_type_compatible, safe_get_type_hints

T = TypeVar("T")
Number = TypeVar("Number", int, float)
Bounded = TypeVar("Bounded", bound=Sequence)


class Animal:
    pass


class Dog(Animal):
    pass


@pytest.mark.parametrize(
    ("incoming", "required"),
    [
        (int, int),
        (int, Any),
        (Dog, Animal),
        (bool, int),
        (int, int | str),
        (int, Optional[int]),  # noqa: UP045 - typing.Optional on purpose
        (None, Optional[int]),  # noqa: UP045
        (int | str, int | str | bytes),
        (list[int], list),
        (list[int], list[int]),
        (list[int], Sequence[int]),
        (dict[str, int], Mapping[str, int]),
        (list[Dog], list[Animal]),
        (Annotated[int, "meta"], int),
        (int, Annotated[int | None, "meta"]),
        (T, int),
        (int, T),
        (int, Number),
        (list[int], Bounded),
        (NoAnnotation, int),
        (str, NoAnnotation),
        (Literal["a", "b"], str),
        (Literal["a"], Literal["a", "b"]),
        (tuple[int, str], tuple[int, str]),
        ("int", int),
    ],
)
def test_compatible_pairs(incoming, required):
    assert is_type_compatible(incoming, required) is True


@pytest.mark.parametrize(
    ("incoming", "required"),
    [
        (int, str),
        (Animal, Dog),
        (int | str, int),
        (Optional[int], int),  # noqa: UP045
        (list[int], list[str]),
        (list, int),
        (dict[str, int], dict[str, str]),
        (tuple[int, str], tuple[int, str, int]),
        (str, Number),
        (int, Bounded),
        (Literal["a", "c"], Literal["a", "b"]),
        (str, Literal["a"]),
        (Sequence[int], list[int]),
    ],
)
def test_incompatible_pairs(incoming, required):
    assert is_type_compatible(incoming, required) is False


def test_unresolvable_is_compatible_with_a_warning():
    with pytest.warns(UserWarning, match="Missing"):
        assert is_type_compatible(Unresolvable("Missing"), int)
    with pytest.warns(UserWarning, match="Nope"):
        assert is_type_compatible(int, "Nope")


def test_forward_refs_resolve_through_memo():
    memo = {"Animal": Animal}
    assert is_type_compatible(Dog, "Animal", memo)
    assert is_type_compatible("list[Animal]", list[Animal], {"Animal": Animal})
    assert not is_type_compatible("str", "int")


def test_safe_get_type_hints_resolves_normal_hints():
    def f(a: int, b: list[str]) -> dict[str, int]:
        return {}

    assert safe_get_type_hints(f) == {"a": int, "b": list[str], "return": dict[str, int]}


def test_safe_get_type_hints_marks_unresolvable_hints_without_raising():
    def f(a: int, b: Missing) -> Other:  # noqa: F821
        return None

    hints = safe_get_type_hints(f)
    assert hints["a"] is int
    assert hints["b"] == Unresolvable("Missing") and hints["return"] == Unresolvable("Other")


def test_safe_get_type_hints_on_odd_objects():
    assert safe_get_type_hints(len) == {}
    assert safe_get_type_hints(42) == {}

    def f(a: int, b: str) -> None:
        pass

    assert safe_get_type_hints(functools.partial(f, 1))["b"] is str

    class Callable_:
        def __call__(self, x: float) -> float:
            return x

    assert safe_get_type_hints(Callable_())["x"] is float


def test_safe_get_type_hints_keeps_annotated_extras_on_request():
    def f(a: Annotated[int, "unit"]) -> None:
        pass

    assert safe_get_type_hints(f)["a"] is int
    assert safe_get_type_hints(f, include_extras=True)["a"] == Annotated[int, "unit"]


def test_no_warning_for_plain_checks():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert is_type_compatible(Union[int, str], Union[str, int])  # noqa: UP007


def test_new_type_flows_into_its_supertype_only():
    from typing import NewType

    user_id = NewType("user_id", int)
    assert is_type_compatible(user_id, int)
    assert not is_type_compatible(user_id, str)
