"""Phrases of build-time messages that users match on in their own tests."""

from __future__ import annotations

import threading

import pytest

from hypergraph import Graph, GraphConfigError, SyncRunner, node


@node(output_name="s")
def make_text(x: int) -> str:
    return str(x)


@node(output_name="n")
def count(s: int) -> int:
    return s


def test_strict_types_errors_end_with_a_how_to_fix_section():
    with pytest.raises(GraphConfigError) as info:
        Graph([make_text, count], strict_types=True)
    assert "Type mismatch" in str(info.value)
    assert str(info.value).splitlines()[-1].startswith("How to fix:")

    @node(output_name="n")
    def untyped(s):
        return s

    with pytest.raises(GraphConfigError) as info:
        Graph([make_text, untyped], strict_types=True)
    assert "Missing type annotation" in str(info.value)
    assert str(info.value).splitlines()[-1].startswith("How to fix:")


def test_invalid_node_and_output_names_ask_for_valid_python_identifiers():
    with pytest.raises(GraphConfigError, match="valid Python identifiers"):
        Graph([make_text.with_name("bad name")])
    with pytest.raises(GraphConfigError, match="valid Python identifiers"):
        Graph([make_text.with_outputs(s="class")])


@pytest.mark.parametrize("char", [".", "/"])
def test_invalid_graph_name_says_what_it_cannot_contain(char):
    with pytest.raises(GraphConfigError, match=f"cannot contain '{char}'"):
        Graph([make_text], name=f"a{char}b")


def test_inconsistent_defaults_list_the_consumers_without_default():
    @node(output_name="o1")
    def with_default(k: int = 1) -> int:
        return k

    @node(output_name="o2")
    def without(k: int) -> int:
        return k

    with pytest.raises(GraphConfigError, match=r"without default: \['without'\]"):
        Graph([with_default, without])


def test_return_annotation_without_output_name_warns_with_the_return_type():
    with pytest.warns(UserWarning, match="has return type int"):

        @node
        def forgotten(x: int) -> int:
            return x


_LOCK = threading.Lock()


def test_uncopyable_default_suggests_bind():
    @node(output_name="o")
    def locked(lock=_LOCK) -> int:
        return 1

    with pytest.raises(GraphConfigError, match=r"\.bind\(\)"):
        SyncRunner().run(Graph([locked]))
