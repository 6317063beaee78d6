"""A node's inputs and defaults come out as ``inspect.signature`` reports them, for every shape
of signature (plain functions are read from their code object, nodes/_callable.py)."""

from __future__ import annotations

import functools
import inspect
from typing import Any

import pytest

from hypergraph import FunctionNode


def plain(a, b):  # type: ignore[no-untyped-def]
    return a


def defaults(a, b=2, c=(1, 2)):  # type: ignore[no-untyped-def]
    return a


def positional_only(a, b=1, /, c=3, *, d, e=5):  # type: ignore[no-untyped-def]
    return a


def star_args(a, *rest, k=1, **extra):  # type: ignore[no-untyped-def]
    return a


def keyword_only(*, x, y=None):  # type: ignore[no-untyped-def]
    return x


def with_locals(a, b=1):  # type: ignore[no-untyped-def]
    total = a + b
    return total


@functools.wraps(defaults)
def wrapper(*args: Any, **kwargs: Any) -> Any:
    return defaults(*args, **kwargs)


def declared(p: int, q: int = 4) -> int:
    return p


declared.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [inspect.Parameter("z", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=9)]
)


class Callable:
    def __call__(self, u: int, v: int = 7) -> int:
        return u


SHAPES = [
    plain,
    defaults,
    positional_only,
    star_args,
    keyword_only,
    with_locals,
    wrapper,
    declared,
    lambda m, n=3: m,
    functools.partial(defaults, b=5),
    Callable(),
]


@pytest.mark.parametrize("func", SHAPES)
def test_node_inputs_and_defaults_match_the_signature(func: Any) -> None:
    signature = inspect.signature(func)
    made = FunctionNode(func, name="made", output_name="out")
    assert made.inputs == tuple(signature.parameters)
    expected = {
        name: p.default
        for name, p in signature.parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    assert {
        name: made.get_default_for(name) for name in made.inputs if made.has_default_for(name)
    } == expected
