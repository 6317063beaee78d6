"""Run-start checks as a user meets them through ``SyncRunner.run`` (docs/guides/running.md)."""

from __future__ import annotations

import warnings

import pytest

from hypergraph import (
    END,
    Graph,
    GraphConfigError,
    IncompatibleRunnerError,
    MissingInputError,
    SyncRunner,
    interrupt,
    node,
    route,
)


def make_counter(calls: list[str]) -> Graph:
    @node(output_name="tokens")
    def tokenize(text: str) -> list[str]:
        calls.append("tokenize")
        return text.split()

    @node(output_name="count")
    def count_tokens(tokens: list[str]) -> int:
        calls.append("count_tokens")
        return len(tokens)

    return Graph([tokenize, count_tokens])


def test_supplying_an_intermediate_skips_its_producer():
    calls: list[str] = []
    with pytest.warns(UserWarning, match="tokens <- tokenize") as caught:
        result = SyncRunner().run(make_counter(calls), tokens=["a", "b"])
    assert result["count"] == 2
    assert calls == ["count_tokens"]
    assert caught[0].filename == __file__  # the warning points at the caller's line


def test_supplying_producer_inputs_and_its_output_raises_before_running():
    calls: list[str] = []
    with pytest.raises(ValueError, match="Cannot mix compute and inject"):
        SyncRunner().run(make_counter(calls), text="a", tokens=["b"])
    assert calls == []


def test_partial_inject_of_a_multi_output_node_raises():
    @node(output_name=("left", "right"))
    def split(text: str) -> tuple[str, str]:
        return text[:1], text[1:]

    @node(output_name="joined")
    def join(left: str, right: str) -> str:
        return right + left

    with pytest.raises(ValueError, match="partial inject"):
        SyncRunner().run(Graph([split, join]), left="a")


def test_unknown_extra_input_warns_is_silent_with_ignore_and_raises_with_error():
    graph = make_counter([])
    with pytest.warns(UserWarning, match="'colour'"):
        SyncRunner().run(graph, text="a", colour="red")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SyncRunner().run(graph, text="a", colour="red", on_internal_override="ignore")
    with pytest.raises(ValueError, match="'colour'"):
        SyncRunner().run(graph, text="a", colour="red", on_internal_override="error")


def test_missing_input_names_every_missing_input_and_suggests_a_near_miss():
    @node(output_name="s")
    def add(alpha: int, beta: int) -> int:
        return alpha + beta

    with pytest.raises(MissingInputError) as info, pytest.warns(UserWarning):
        SyncRunner().run(Graph([add]), alpha=1, betta=2)
    assert info.value.missing == ["beta"]
    assert "Did you mean 'beta' instead of 'betta'" in str(info.value)


def test_cycle_without_entry_value_raises_before_any_node_runs():
    calls: list[str] = []

    @node(output_name="total")
    def add_step(total: int, step: int = 2) -> int:
        calls.append("add_step")
        return total + step

    @route(targets=["add_step", END])
    def keep_going(total: int):
        calls.append("keep_going")
        return END if total >= 10 else "add_step"

    with pytest.raises(MissingInputError, match="No entry point for cycle") as info:
        SyncRunner().run(Graph([add_step, keep_going]))
    assert info.value.missing == []
    assert calls == []


def test_cycle_starts_at_member_whose_cycle_inputs_all_have_defaults():
    @node(output_name="plan")
    def think(question: str, history: list | None = None) -> str:
        return f"{question}{len(history or [])}"

    @node(output_name="history")
    def act(plan: str, history: list | None = None) -> list:
        return [*(history or []), plan]

    @route(targets=["think", END])
    def decide(history: list):
        return "think" if len(history) < 3 else END

    graph = Graph([think, act, decide])
    assert graph.inputs.entrypoints == {"act": ("plan",)}
    result = SyncRunner().run(graph, question="q")
    assert result["history"] == ["q0", "q1", "q2"]


def test_running_a_node_instead_of_a_graph_says_to_wrap_it():
    @node(output_name="y")
    def step(x: int) -> int:
        return x

    with pytest.raises(TypeError, match=r"run a Graph, got the node 'step'"):
        SyncRunner().run(step, x=1)
    with pytest.raises(TypeError, match=r"runner\.map\(Graph\(\[step\]\)"):
        SyncRunner().map(step, x=[1, 2], map_over="x")


def test_values_and_kwargs_merge_and_duplicates_raise():
    @node(output_name="s")
    def add(a: int, b: int) -> int:
        return a + b

    graph = Graph([add])
    assert SyncRunner().run(graph, {"a": 1}, b=2)["s"] == 3
    with pytest.raises(ValueError, match="both values and kwargs"):
        SyncRunner().run(graph, {"a": 1}, a=2, b=2)


def test_input_named_select_works_only_through_values():
    @node(output_name="picked")
    def pick(select: str) -> str:
        return select.upper()

    assert SyncRunner().run(Graph([pick]), {"select": "a"})["picked"] == "A"


def test_max_concurrency_is_a_reserved_option_for_sync_run():
    with pytest.raises(ValueError, match="reserved runner options"):
        SyncRunner().run(make_counter([]), text="a", max_concurrency=2)


def test_async_node_under_sync_runner_is_incompatible():
    @node(output_name="page")
    async def fetch(url: str) -> str:
        return url

    with pytest.raises(IncompatibleRunnerError, match="AsyncRunner") as info:
        SyncRunner().run(Graph([fetch]), url="u")
    assert info.value.node_name == "fetch"


def test_interrupt_under_sync_runner_is_incompatible():
    @interrupt(output_name="verdict")
    def review(draft: str) -> str | None:
        return None

    with pytest.raises(IncompatibleRunnerError, match="InterruptNode"):
        SyncRunner().run(Graph([review]), draft="d")


def make_pipeline() -> Graph:
    @node(output_name="rows")
    def load(path: str) -> list:
        return [path]

    @node(output_name="table")
    def clean(rows: list) -> list:
        return rows + ["clean"]

    @node(output_name="summary")
    def report(table: list, title: str) -> str:
        return f"{title}: {len(table)}"

    return Graph([load, clean, report])


def test_runtime_select_overrides_graph_selection_and_double_star_restores_all():
    graph = make_pipeline().select("table")
    assert list(SyncRunner().run(graph, path="p").keys()) == ["table"]
    result = SyncRunner().run(graph, path="p", title="T", select="summary")
    assert list(result.keys()) == ["summary"]
    everything = SyncRunner().run(graph, path="p", title="T", select="**")
    assert list(everything.keys()) == ["rows", "table", "summary"]
    with pytest.raises(MissingInputError) as info:
        SyncRunner().run(graph, path="p", select="**")
    assert info.value.missing == ["title"]


@pytest.mark.parametrize("on_missing", ["ignore", "warn", "error"])
def test_misspelt_runtime_select_raises_before_execution(on_missing):
    calls: list[str] = []
    with pytest.raises(GraphConfigError, match="cuont"):
        SyncRunner().run(make_counter(calls), text="a", select="cuont", on_missing=on_missing)
    assert calls == []


def test_invalid_on_missing_raises_even_when_nothing_is_missing():
    with pytest.raises(ValueError, match="Invalid on_missing"):
        SyncRunner().run(make_counter([]), text="a", on_missing="sometimes")


def test_run_start_errors_raise_even_with_error_handling_continue():
    with pytest.raises(MissingInputError):
        SyncRunner().run(make_counter([]), error_handling="continue")


def test_unknown_input_hint_does_not_suggest_an_input_already_supplied():
    @node(output_name="n")
    def count(text: str, texts: int = 0) -> int:
        return len(text)

    graph = Graph([count])
    with pytest.warns(UserWarning) as caught:
        SyncRunner().run(graph, text="a", textt=1)
    message = str(caught[0].message)
    assert "'textt' (did you mean 'texts'?)" in message
    with pytest.warns(UserWarning) as caught:
        SyncRunner().run(graph, text="a", texts=1, textt=1)
    assert "did you mean" not in str(caught[0].message)
