"""Property: ``SyncRunner.map`` iterates exactly like ``zip`` and ``itertools.product``."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from hypergraph import Graph, SyncRunner, node

NAMES = ("a", "b", "c")


def combine_graph(names: tuple[str, ...]) -> Graph:
    """One node returning the tuple of its inputs, plus a broadcast ``tag`` passed through."""
    namespace: dict = {}
    params = ", ".join(names)
    exec(f"def combine({params}, tag):\n    return (({params},), tag)\n", namespace)
    return Graph([node(output_name="out")(namespace["combine"])])


lists = st.lists(st.integers(-5, 5), max_size=4)


@settings(max_examples=60, deadline=None)
@given(width=st.integers(1, 3), data=st.data())
def test_zip_map_matches_builtin_zip(width, data):
    names = NAMES[:width]
    length = data.draw(st.integers(0, 5))
    columns = [data.draw(st.lists(st.integers(), min_size=length, max_size=length)) for _ in names]
    values = dict(zip(names, columns))
    results = SyncRunner().map(combine_graph(names), values, tag="t", map_over=list(names))
    assert [r["out"] for r in results] == [(combo, "t") for combo in zip(*columns)]


@settings(max_examples=60, deadline=None)
@given(width=st.integers(1, 3), data=st.data())
def test_product_map_matches_itertools_product(width, data):
    names = NAMES[:width]
    columns = [data.draw(lists) for _ in names]
    values = dict(zip(names, columns))
    results = SyncRunner().map(
        combine_graph(names), values, tag=0, map_over=list(names), map_mode="product"
    )
    expected = [(combo, 0) for combo in itertools.product(*columns)]
    assert [r["out"] for r in results] == expected
    assert len(results) == len(expected)
