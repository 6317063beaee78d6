"""SyncRunner output selection (docs/guides/running.md, "Output selection" and "Failure")."""

from __future__ import annotations

import warnings

import pytest

from hypergraph import END, Graph, GraphConfigError, MissingInputError, SyncRunner, node, route


@node(output_name="a")
def make_a(x: int) -> int:
    return x + 1


@node(output_name="b")
def make_b(a: int) -> int:
    return a * 2


@node(output_name="c")
def make_c(x: int, factor: int) -> int:
    return x * factor


# ---------------------------------------------------------------- selection
def test_select_narrows_results_but_every_reachable_node_runs():
    calls = []

    @node(output_name="side")
    def side(x: int) -> int:
        calls.append("side")
        return x

    graph = Graph([make_a, make_b, side]).select("a")
    result = SyncRunner().run(graph, x=1)
    assert result.values == {"a": 2}
    assert calls == ["side"]


def test_select_narrows_required_inputs():
    graph = Graph([make_a, make_c]).select("a")
    assert SyncRunner().run(graph, x=1).values == {"a": 2}


def test_runtime_select_overrides_graph_selection_in_given_order():
    graph = Graph([make_a, make_b]).select("a")
    assert list(SyncRunner().run(graph, x=1, select=["b", "a"]).values) == ["b", "a"]
    assert SyncRunner().run(graph, x=1, select="b").values == {"b": 4}


def test_select_all_restores_every_output():
    graph = Graph([make_a, make_b]).select("a")
    assert SyncRunner().run(graph, x=1, select="**").values == {"a": 2, "b": 4}


def test_misspelt_select_fails_before_execution():
    calls = []

    @node(output_name="y")
    def tracked(x: int) -> int:
        calls.append(x)
        return x

    with pytest.raises(GraphConfigError, match="yy"):
        SyncRunner().run(Graph([tracked]), x=1, select="yy", on_missing="ignore")
    assert calls == []


def _routed_away_graph():
    @node(output_name="kept")
    def keep(x: int) -> int:
        return x

    @node(output_name="skipped")
    def skip(x: int) -> int:
        return x

    @route(targets=["keep", "skip"])
    def choose(x: int):
        return "keep"

    return Graph([choose, keep, skip])


def test_outputs_of_routed_away_nodes_are_absent():
    assert SyncRunner().run(_routed_away_graph(), x=1).values == {"kept": 1}


def test_missing_selected_output_is_ignored_by_default():
    result = SyncRunner().run(_routed_away_graph(), x=1, select=["kept", "skipped"])
    assert result.values == {"kept": 1}


def test_missing_selected_output_warns_with_on_missing_warn():
    with pytest.warns(UserWarning, match=r"Requested outputs not found: \['skipped'\]"):
        SyncRunner().run(_routed_away_graph(), x=1, select=["skipped"], on_missing="warn")


def test_missing_selected_output_raises_with_on_missing_error():
    with pytest.raises(ValueError) as info:
        SyncRunner().run(_routed_away_graph(), x=1, select=["skipped"], on_missing="error")
    message = str(info.value)
    assert "Requested outputs not found: ['skipped']" in message
    assert "Available outputs: ['kept']" in message


def test_nothing_missing_means_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SyncRunner().run(_routed_away_graph(), x=1, select=["kept"], on_missing="warn")


def test_invalid_on_missing_raises_even_when_nothing_is_missing():
    with pytest.raises(ValueError, match="Invalid on_missing"):
        SyncRunner().run(Graph([make_a]), x=1, on_missing="loud")


# ---------------------------------------------------------------- failures
class Boom(Exception):
    pass


@node(output_name="bad")
def explode(a: int) -> int:
    raise Boom(f"exploded on {a}")


def test_continue_keeps_outputs_of_finished_siblings_in_the_same_superstep():
    @node(output_name="sibling")
    def sibling(a: int) -> int:
        return a + 100

    @node(output_name="after")
    def after(a: int) -> int:
        return a

    # Superstep 2 runs sibling, explode, after in node order; SyncRunner stops at explode.
    graph = Graph([make_a, sibling, explode, after])
    result = SyncRunner().run(graph, x=1, error_handling="continue")
    assert result.values == {"a": 2, "sibling": 102}


def test_failing_first_node_gives_empty_values():
    @node(output_name="y")
    def fail_now(x: int) -> int:
        raise Boom("first")

    result = SyncRunner().run(Graph([fail_now]), x=1, error_handling="continue")
    assert result.status == "failed" and result.values == {}


def test_continue_result_respects_selection():
    result = SyncRunner().run(
        Graph([make_a, make_b, explode]),
        x=1,
        select=["b", "bad"],
        on_missing="error",
        error_handling="continue",
    )
    assert result.status == "failed"
    assert result.values == {"b": 4}


def test_later_supersteps_do_not_run_after_a_failure():
    calls = []

    @node(output_name="later")
    def downstream(bad: int) -> int:
        calls.append(bad)
        return bad

    result = SyncRunner().run(Graph([make_a, explode, downstream]), x=1, error_handling="continue")
    assert calls == [] and result.status == "failed"


def test_gate_decision_errors_are_node_failures():
    @route(targets=["make_a", END])
    def bad_gate(x: int):
        return ["make_a"]

    with pytest.raises(TypeError, match="multi_target=False but returned a list"):
        SyncRunner().run(Graph([bad_gate, make_a]), x=1)
    result = SyncRunner().run(Graph([bad_gate, make_a]), x=1, error_handling="continue")
    assert isinstance(result.error, TypeError)


def test_keyboard_interrupt_is_not_caught():
    @node(output_name="y")
    def interrupted(x: int) -> int:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        SyncRunner().run(Graph([interrupted]), x=1, error_handling="continue")


def test_invalid_error_handling_raises_before_running():
    with pytest.raises(ValueError, match="Invalid error_handling"):
        SyncRunner().run(Graph([make_a]), x=1, error_handling="ignore")


def test_setup_errors_raise_even_in_continue_mode():
    with pytest.raises(MissingInputError):
        SyncRunner().run(Graph([make_a]), error_handling="continue")


def test_invalid_option_values_are_shortened_in_the_error():
    @node(output_name="y")
    def inc(x: int) -> int:
        return x + 1

    graph = Graph([inc])
    with pytest.raises(ValueError, match="Invalid error_handling=") as info:
        SyncRunner().run(graph, x=1, error_handling="r" * 1_000_000)
    assert len(str(info.value)) < 600
    with pytest.raises(TypeError, match="max_iterations must be an int or None") as info:
        SyncRunner().run(graph, x=1, max_iterations=[0] * 1_000_000)
    assert len(str(info.value)) < 600
