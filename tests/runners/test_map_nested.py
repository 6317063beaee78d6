"""``map`` together with ``GraphNode.map_over``: one item planning for both, nesting, failures."""

from __future__ import annotations

import pytest

from hypergraph import Graph, RunStatus, SyncRunner, node


@node(output_name="length")
def measure(word: str) -> int:
    if word == "bad":
        raise ValueError("cannot measure 'bad'")
    return len(word)


@node(output_name="upper")
def shout(word: str) -> str:
    return word.upper()


@node(output_name="words")
def split(sentence: str) -> list[str]:
    return sentence.split()


WORD = Graph([measure, shout], name="word")


def test_map_over_and_map_give_the_same_items_for_zip_and_product():
    @node(output_name="pair")
    def pair(a: int, b: str) -> tuple[int, str]:
        return (a, b)

    inner = Graph([pair], name="pairs")
    for mode in ("zip", "product"):
        a, b = [1, 2], ["x", "y"]
        mapped_node = Graph([inner.as_node().map_over("a", "b", mode=mode)])
        from_node = SyncRunner().run(mapped_node, a=a, b=b)["pair"]
        from_map = [
            r["pair"] for r in SyncRunner().map(inner, a=a, b=b, map_over=["a", "b"], map_mode=mode)
        ]
        assert from_node == from_map


def test_nested_map_over_with_continue_puts_none_at_failed_positions_of_every_list():
    per_sentence = Graph(
        [
            split,
            WORD.as_node().with_inputs(word="words").map_over("words", error_handling="continue"),
        ],
        name="sentence",
    )
    result = SyncRunner().run(per_sentence, sentence="a bad word")
    assert result["length"] == [1, None, 4]
    assert result["upper"] == ["A", None, "WORD"]


def test_map_over_a_graph_containing_a_mapped_graph_node_with_continue():
    per_sentence = Graph(
        [
            split,
            WORD.as_node().with_inputs(word="words").map_over("words", error_handling="continue"),
        ],
        name="sentence",
    )
    results = SyncRunner().map(per_sentence, sentence=["ok bad", "fine"], map_over="sentence")
    assert [r.status for r in results] == [RunStatus.COMPLETED, RunStatus.COMPLETED]
    assert [r["length"] for r in results] == [[2, None], [4]]
    assert [r["upper"] for r in results] == [["OK", None], ["FINE"]]


def test_inner_map_over_raise_fails_only_that_outer_item_with_continue():
    per_sentence = Graph(
        [split, WORD.as_node().with_inputs(word="words").map_over("words")], name="sentence"
    )
    results = SyncRunner().map(
        per_sentence,
        sentence=["ok", "so bad", "fine"],
        map_over="sentence",
        error_handling="continue",
    )
    assert [r.status for r in results] == ["completed", "failed", "completed"]
    assert isinstance(results[1].error, ValueError)
    assert str(results[1].error) == "cannot measure 'bad'"
    assert dict(results[1].values) == {"words": ["so", "bad"]}


def test_inner_failure_with_raise_surfaces_from_map_as_the_original_exception():
    per_sentence = Graph(
        [split, WORD.as_node().with_inputs(word="words").map_over("words")], name="sentence"
    )
    with pytest.raises(ValueError, match="cannot measure 'bad'"):
        SyncRunner().map(per_sentence, sentence=["ok", "bad"], map_over="sentence")


def test_map_of_a_graph_node_wrapping_another_graph_renames_outputs():
    outer = Graph([WORD.as_node().with_outputs(length="size")])
    results = SyncRunner().map(outer, word=["ab", "abc"], map_over="word")
    assert [r["size"] for r in results] == [2, 3]
    assert [r["upper"] for r in results] == ["AB", "ABC"]


def test_map_over_product_inside_a_map_item():
    @node(output_name="cell")
    def cell(row: int, col: int) -> int:
        return row * 10 + col

    grid = Graph([Graph([cell], name="cells").as_node().map_over("row", "col", mode="product")])
    results = SyncRunner().map(grid, row=[[1, 2], [3]], col=[0, 1], map_over="row")
    assert [r["cell"] for r in results] == [[10, 11, 20, 21], [30, 31]]
