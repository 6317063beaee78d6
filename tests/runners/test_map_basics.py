"""``SyncRunner.map`` as users call it: items, ordering, broadcast values and per-item options."""

from __future__ import annotations

import warnings

import pytest

from hypergraph import Graph, SyncRunner, node


@node(output_name="tokens")
def tokenize(text: str) -> list[str]:
    return text.split()


@node(output_name="count")
def count_tokens(tokens: list[str]) -> int:
    return len(tokens)


@node(output_name="scaled")
def scale(x: int, factor: int = 1) -> int:
    return x * factor


@node(output_name="pair")
def pair(a: int, b: int) -> tuple[int, int]:
    return (a, b)


COUNTER = Graph([tokenize, count_tokens], name="counter")


def test_spec_example_counts_tokens_per_text():
    results = SyncRunner().map(COUNTER, {"text": ["a b", "c"]}, map_over="text")
    assert [r["count"] for r in results] == [2, 1]


def test_keyword_shorthand_is_merged_with_values():
    graph = Graph([scale])
    results = SyncRunner().map(graph, {"factor": 10}, map_over="x", x=[1, 2, 3])
    assert [r["scaled"] for r in results] == [10, 20, 30]


def test_map_over_accepts_a_list_of_names_and_zips_them():
    results = SyncRunner().map(Graph([pair]), map_over=["a", "b"], a=[1, 2, 3], b=[4, 5, 6])
    assert [r["pair"] for r in results] == [(1, 4), (2, 5), (3, 6)]


def test_map_accepts_tuples_and_ranges_as_mapped_values():
    results = SyncRunner().map(Graph([scale]), x=range(3), factor=2, map_over="x")
    assert [r["scaled"] for r in results] == [0, 2, 4]
    results = SyncRunner().map(Graph([scale]), x=(5,), map_over="x")
    assert [r["scaled"] for r in results] == [5]


def test_empty_input_returns_empty_list_without_running_anything():
    calls: list[int] = []

    @node(output_name="y")
    def record(x: int) -> int:
        calls.append(x)
        return x

    assert SyncRunner().map(Graph([record]), x=[], map_over="x") == []
    assert (
        SyncRunner().map(Graph([pair]), a=[1, 2], b=[], map_over=["a", "b"], map_mode="product")
        == []
    )
    assert calls == []


def test_select_applies_to_every_item():
    results = SyncRunner().map(COUNTER, text=["a b", "c"], map_over="text", select="tokens")
    assert [dict(r.values) for r in results] == [{"tokens": ["a", "b"]}, {"tokens": ["c"]}]


def test_graph_selection_applies_when_select_is_omitted_and_star_star_overrides_it():
    graph = COUNTER.select("count")
    results = SyncRunner().map(graph, text=["a b"], map_over="text")
    assert list(results[0].keys()) == ["count"]
    results = SyncRunner().map(graph, text=["a b"], map_over="text", select="**")
    assert list(results[0].keys()) == ["tokens", "count"]


def test_on_missing_warn_warns_for_items_missing_a_selected_output():
    from hypergraph import END, route

    @route(targets=["double_it", END])
    def big_enough(x: int) -> object:
        return "double_it" if x > 1 else END

    @node(output_name="doubled")
    def double_it(x: int) -> int:
        return 2 * x

    graph = Graph([big_enough, double_it])
    with pytest.warns(UserWarning, match="Requested outputs not found"):
        results = SyncRunner().map(
            graph, x=[1, 2], map_over="x", select="doubled", on_missing="warn"
        )
    assert [dict(r.values) for r in results] == [{}, {"doubled": 4}]


def test_internal_override_warning_is_issued_once_per_map():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = SyncRunner().map(COUNTER, text=["a", "b c", "d"], extra=1, map_over="text")
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 1 and "internal parameters" in messages[0]
    assert [r["count"] for r in results] == [1, 2, 1]


def test_internal_override_error_raises_before_any_item_runs():
    calls: list[str] = []

    @node(output_name="size")
    def measure(text: str) -> int:
        calls.append(text)
        return len(text)

    with pytest.raises(ValueError, match="internal parameters"):
        SyncRunner().map(
            Graph([measure]), text=["a"], extra=1, map_over="text", on_internal_override="error"
        )
    assert calls == []


def test_entrypoint_is_passed_to_every_item_run():
    from hypergraph import END, route

    @node(output_name="count")
    def increment(count: int) -> int:
        return count + 1

    @route(targets=["increment", END])
    def again(count: int) -> str:
        return END if count >= 3 else "increment"

    graph = Graph([increment, again])
    results = SyncRunner().map(graph, count=[0, 1, 5], map_over="count", entrypoint="increment")
    assert [r["count"] for r in results] == [3, 3, 5]
    runner = SyncRunner()
    assert [runner.run(graph, count=c)["count"] for c in (0, 1, 5)] == [3, 3, 5]
    with pytest.raises(ValueError, match="is not a valid entry point"):
        SyncRunner().map(graph, count=[0], map_over="count", entrypoint="again")


def test_map_runs_a_graph_with_gates_and_nested_graphs():
    from hypergraph import ifelse

    @ifelse(when_true="shout", when_false="whisper")
    def is_long(text: str) -> bool:
        return len(text) > 3

    @node(output_name="out")
    def shout(text: str) -> str:
        return text.upper()

    @node(output_name="out")
    def whisper(text: str) -> str:
        return text.lower()

    inner = Graph([is_long, shout, whisper], name="voice")
    outer = Graph([inner.as_node(), count_tokens.with_inputs(tokens="out")])
    results = SyncRunner().map(outer, text=["Hello", "Hi"], map_over="text")
    assert [r["out"] for r in results] == ["HELLO", "hi"]
    assert [r["count"] for r in results] == [5, 2]


def test_same_graph_can_be_mapped_with_different_key_sets():
    graph = Graph([scale])
    runner = SyncRunner()
    assert [r["scaled"] for r in runner.map(graph, x=[1, 2], map_over="x")] == [1, 2]
    assert [r["scaled"] for r in runner.map(graph, x=[1, 2], factor=5, map_over="x")] == [5, 10]
    results = runner.map(graph, factor=[1, 2], x=3, map_over="factor")
    assert [r["scaled"] for r in results] == [3, 6]


def test_supplying_an_intermediate_value_bypasses_its_producer_in_every_item():
    calls: list[str] = []

    @node(output_name="tokens")
    def split_words(text: str) -> list[str]:
        calls.append(text)
        return text.split()

    graph = Graph([split_words, count_tokens])
    results = SyncRunner().map(
        graph, tokens=[["a"], ["b", "c"]], map_over="tokens", on_internal_override="ignore"
    )
    assert [r["count"] for r in results] == [1, 2]
    assert calls == []
