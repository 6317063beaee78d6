"""hypergraph._hashing.hash_definition and node definition hashes (docs/guides/nodes.md,
docs/guides/caching.md)."""

from __future__ import annotations

import functools
import hashlib
import inspect

from hypergraph import node
from hypergraph._hashing import hash_definition


def first(x):
    return x + 1


def second(x):
    return x + 2


def test_hash_is_sha256_of_source_for_plain_functions():
    expected = hashlib.sha256(inspect.getsource(first).encode()).hexdigest()
    assert hash_definition(first) == expected and len(expected) == 64


def test_hash_changes_with_function_body_and_is_stable():
    assert hash_definition(first) != hash_definition(second)
    assert hash_definition(first) == hash_definition(first)


def test_functions_without_source_hash_their_bytecode():
    namespace: dict = {}
    exec("def f(x, k=1):\n    return x + k\n", namespace)
    exec("def g(x, k=1):\n    return x + k\n", namespace)
    exec("def h(x, k=2):\n    return x + k\n", namespace)
    exec("def i(x, k=1):\n    return x * k\n", namespace)
    f, g, h, i = namespace["f"], namespace["g"], namespace["h"], namespace["i"]
    assert hash_definition(f) == hash_definition(g)  # same code and defaults
    assert hash_definition(f) != hash_definition(h)  # different default
    assert hash_definition(f) != hash_definition(i)  # different body


def test_closures_with_different_captured_values_differ():
    def make(n):
        def add(x):
            return x + n

        return add

    assert hash_definition(make(1)) != hash_definition(make(2))
    assert hash_definition(make(1)) == hash_definition(make(1))


def test_lambdas_on_one_line_differ():
    pair = (lambda x: x + 1, lambda x: x * 2)  # noqa: E731
    assert hash_definition(pair[0]) != hash_definition(pair[1])


def test_builtins_partials_and_objects_never_raise():
    assert hash_definition(len) == hashlib.sha256(b"builtins:len").hexdigest()
    assert hash_definition(functools.partial(first, 1)) != hash_definition(
        functools.partial(first, 2)
    )

    class Weird:
        def __call__(self, x):
            return x

    for odd in (Weird(), object(), 42, None):
        assert len(hash_definition(odd)) == 64


def test_node_hash_equals_function_hash_and_ignores_renames():
    made = node(first, output_name="y")
    assert made.definition_hash == hash_definition(first)
    assert made.with_inputs(x="z").with_name("other").definition_hash == made.definition_hash
    assert node(first, output_name="q").definition_hash == made.definition_hash
