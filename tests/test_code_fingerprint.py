"""Cache keys follow the code a node calls: helpers count, comments and whitespace do not."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from hypergraph import Graph, InMemoryCache, SyncRunner


def _load(tmp_path: Path, name: str, source: str):
    """(Re)load module ``name`` from ``source`` written in ``tmp_path`` (the user's own code)."""
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    sys.modules.pop(name, None)
    importlib.invalidate_caches()
    return importlib.import_module(name)


HELPERS = """
def scale(x):
    return x * {factor}
"""

PIPELINE = """
from hypergraph import node
import {helpers}
from {helpers} import scale


def indirect(x):
    return scale(x) + 1


@node(output_name="y", cache=True)
def compute(x: int) -> int:
    # {comment}
    return indirect(x){spacing}


@node(output_name="z", cache=True)
def through_module(x: int) -> int:
    return {helpers}.scale(x)
"""


@pytest.fixture
def user_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    counter = iter(range(1000))

    def build(factor: int, comment: str = "first", spacing: str = ""):
        helpers = f"helpers_{next(counter)}"
        _load(tmp_path, helpers, HELPERS.format(factor=factor))
        module = _load(
            tmp_path,
            f"pipeline_{next(counter)}",
            PIPELINE.format(helpers=helpers, comment=comment, spacing=spacing),
        )
        return module

    yield build


def test_editing_a_helper_called_through_another_helper_invalidates_the_entry(user_code):
    runner = SyncRunner(cache=InMemoryCache())
    first = user_code(factor=2)
    assert runner.run(Graph([first.compute]), x=5)["y"] == 11
    edited = user_code(factor=3)  # only the helper module changed
    assert runner.run(Graph([edited.compute]), x=5)["y"] == 16
    assert runner.cache.stats.hits == 0


def test_editing_a_helper_reached_as_a_module_attribute_invalidates_the_entry(user_code):
    runner = SyncRunner(cache=InMemoryCache())
    assert runner.run(Graph([user_code(factor=2).through_module]), x=5)["z"] == 10
    assert runner.run(Graph([user_code(factor=4).through_module]), x=5)["z"] == 20


def test_editing_only_a_comment_or_whitespace_keeps_the_entry(user_code):
    runner = SyncRunner(cache=InMemoryCache())
    assert runner.run(Graph([user_code(factor=2).compute]), x=5)["y"] == 11
    reworded = user_code(factor=2, comment="a different comment", spacing="   ")
    assert runner.run(Graph([reworded.compute]), x=5)["y"] == 11
    assert runner.cache.stats.hits == 1


def test_a_helper_redefined_at_runtime_is_seen_at_once(user_code):
    module = user_code(factor=2)
    runner = SyncRunner(cache=InMemoryCache())
    graph = Graph([module.compute])
    assert runner.run(graph, x=1)["y"] == 3
    namespace: dict = {}
    exec("def indirect(x):\n    return x * 100\n", namespace)
    module.indirect = namespace["indirect"]  # like running a notebook cell again
    assert runner.run(graph, x=1)["y"] == 100
