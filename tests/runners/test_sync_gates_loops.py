"""SyncRunner scheduling: gates, loops, versions, signals, entry points (docs/guides/running.md)."""

from __future__ import annotations

import pytest

from hypergraph import (
    END,
    FunctionNode,
    Graph,
    InfiniteLoopError,
    MissingInputError,
    SyncRunner,
    ifelse,
    node,
    route,
)


@node(output_name="count")
def increment(count: int) -> int:
    return count + 1


# ---------------------------------------------------------------- loops
def test_gate_driven_loop_body_runs_exactly_limit_times():
    calls = []

    @node(output_name="messages")
    def body(messages: list) -> list:
        calls.append(len(messages))
        return [*messages, "m"]

    @route(targets=["body", END])
    def should_continue(messages: list):
        return END if len(messages) >= 3 else "body"

    result = SyncRunner().run(Graph([body, should_continue]), messages=[])
    assert calls == [0, 1, 2]
    assert result["messages"] == ["m", "m", "m"]


def test_ungated_self_producer_runs_once():
    calls = []

    @node(output_name="x")
    def grow(x: int) -> int:
        calls.append(x)
        return x + 1

    assert SyncRunner().run(Graph([grow]), x=1)["x"] == 2
    assert calls == [1]


def test_always_continue_route_raises_infinite_loop_error_with_cap():
    @route(targets=["increment", END])
    def forever(count: int):
        return "increment"

    graph = Graph([increment, forever])
    with pytest.raises(InfiniteLoopError, match="25") as info:
        SyncRunner().run(graph, count=0, max_iterations=25)
    assert info.value.max_iterations == 25
    with pytest.raises(InfiniteLoopError, match="1000"):
        SyncRunner().run(graph, count=0)


def test_infinite_loop_error_obeys_continue_mode():
    @route(targets=["increment", END])
    def forever(count: int):
        return "increment"

    result = SyncRunner().run(
        Graph([increment, forever]), count=0, max_iterations=10, error_handling="continue"
    )
    assert result.status == "failed"
    assert isinstance(result.error, InfiniteLoopError)
    assert result["count"] == 5  # gate and body alternate: 10 supersteps, 5 increments


def test_max_iterations_does_not_apply_to_a_long_dag():
    nodes = [
        FunctionNode(lambda v: v + 1, name=f"n{i}", output_name=f"v{i + 1}").with_inputs(v=f"v{i}")
        for i in range(2_000)
    ]
    result = SyncRunner().run(Graph(nodes), v0=0, max_iterations=5)
    assert result["v2000"] == 2000


def test_a_10000_node_chain_completes_under_the_default_cap():
    nodes = [
        FunctionNode(lambda v: v + 1, name=f"n{i}", output_name=f"v{i + 1}").with_inputs(v=f"v{i}")
        for i in range(10_000)
    ]
    assert SyncRunner().run(Graph(nodes), v0=0)["v10000"] == 10_000


def test_cycle_without_entry_value_fails_before_any_node_runs():
    calls = []

    @node(output_name="count")
    def tracked(count: int) -> int:
        calls.append(count)
        return count + 1

    @route(targets=["tracked", END])
    def check(count: int):
        return END

    with pytest.raises(MissingInputError):
        SyncRunner().run(Graph([tracked, check]))
    assert calls == []


def test_equal_rewrite_does_not_retrigger_consumers():
    seen = []

    @node(output_name=("value", "turn"))
    def step(turn: int) -> tuple[int, int]:
        return 5, turn + 1  # value never changes

    @node(output_name="echo")
    def watch(value: int) -> int:
        seen.append(value)
        return value

    @route(targets=["step", END])
    def again(turn: int):
        return END if turn >= 3 else "step"

    result = SyncRunner().run(Graph([step, watch, again]), turn=0)
    assert result["turn"] == 3
    assert seen == [5]


# ---------------------------------------------------------------- gates
def test_gate_targets_never_run_in_the_gate_superstep():
    calls = []

    @node(output_name="a_out")
    def branch_a(x: int) -> int:
        calls.append("a")
        return x

    @node(output_name="b_out")
    def branch_b(x: int) -> int:
        calls.append("b")
        return x

    @route(targets=["branch_a", "branch_b"])
    def choose(x: int):
        calls.append("gate")
        return "branch_b"

    result = SyncRunner().run(Graph([branch_a, branch_b, choose]), x=1)
    assert calls == ["gate", "b"]
    assert result.values == {"b_out": 1}


def test_ifelse_to_end_stops_the_path():
    @node(output_name="y")
    def work(x: int) -> int:
        return x

    @ifelse(when_true="work", when_false=END)
    def go(x: int) -> bool:
        return x > 0

    assert SyncRunner().run(Graph([go, work]), x=-1).values == {}
    assert SyncRunner().run(Graph([go, work]), x=1).values == {"y": 1}


def test_non_bool_ifelse_decision_raises_type_error():
    @node(output_name="y")
    def work(x: int) -> int:
        return x

    @ifelse(when_true="work", when_false=END)
    def go(x: int):
        return 1

    with pytest.raises(TypeError, match="must return bool"):
        SyncRunner().run(Graph([go, work]), x=1)


def _fan_out(decide):
    made = []

    def make(name):
        @node(output_name=f"{name}_out")
        def target(x: int) -> str:
            made.append(name)
            return name

        return target.with_name(name)

    nodes = [make("a"), make("b"), make("c"), decide]
    return Graph(nodes), made


def test_multi_target_route_runs_every_returned_target():
    @route(targets=["a", "b", "c"], multi_target=True)
    def pick(x: int):
        return ["a", "c"]

    graph, made = _fan_out(pick)
    result = SyncRunner().run(graph, x=1)
    assert sorted(made) == ["a", "c"]
    assert set(result.values) == {"a_out", "c_out"}


@pytest.mark.parametrize("decision", [[], None])
def test_multi_target_route_returning_nothing_runs_no_target(decision):
    @route(targets=["a", "b", "c"], multi_target=True)
    def pick(x: int):
        return decision

    graph, made = _fan_out(pick)
    assert SyncRunner().run(graph, x=1).values == {}
    assert made == []


def test_route_returning_none_uses_fallback_or_nothing():
    @route(targets=["a", "b"], fallback="c")
    def with_fallback(x: int):
        return None

    graph, made = _fan_out(with_fallback)
    assert SyncRunner().run(graph, x=1).values == {"c_out": "c"}

    @route(targets=["a", "b", "c"])
    def without_fallback(x: int):
        return None

    graph, made = _fan_out(without_fallback)
    assert SyncRunner().run(graph, x=1).values == {}


def test_route_to_unlisted_name_raises_value_error():
    @route(targets=["a", "b", "c"])
    def bad(x: int):
        return "zzz"

    graph, _ = _fan_out(bad)
    with pytest.raises(ValueError, match="invalid target"):
        SyncRunner().run(graph, x=1)


def test_default_closed_gate_blocks_targets_until_it_decides():
    order = []

    @node(output_name="ready")
    def prepare(x: int) -> bool:
        order.append("prepare")
        return True

    @node(output_name="y")
    def work(x: int) -> int:
        order.append("work")
        return x

    @route(targets=["work", END], default_open=False)
    def gate(ready: bool):
        order.append("gate")
        return "work"

    SyncRunner().run(Graph([prepare, work, gate]), x=1)
    assert order == ["prepare", "gate", "work"]


def test_default_open_gate_lets_targets_run_before_it_decides():
    order = []

    @node(output_name="ready")
    def prepare(x: int) -> bool:
        order.append("prepare")
        return True

    @node(output_name="y")
    def work(x: int) -> int:
        order.append("work")
        return x

    @route(targets=["work", END])
    def gate(ready: bool):
        order.append("gate")
        return "work"

    SyncRunner().run(Graph([prepare, work, gate]), x=1)
    # work runs in superstep 1 (gate not ready yet); re-routing to it later does not re-run
    # it because its inputs did not change.
    assert order == ["prepare", "work", "gate"]


# ---------------------------------------------------------------- emit / wait_for
def test_wait_for_orders_same_named_producers_and_both_run():
    @node(output_name="status", emit="first_done")
    def first(x: int) -> str:
        return "first"

    @node(output_name="status", wait_for="first_done")
    def second(x: int) -> str:
        return "second"

    result = SyncRunner().run(Graph([second, first]), x=1)
    assert result.values == {"status": "second"}


def test_waiter_is_deferred_while_a_co_ready_node_emits_its_signal():
    order = []

    @node(output_name="a", emit="done")
    def early(x: int) -> int:
        order.append("early")
        return x

    @node(output_name="b", wait_for="done")
    def late(x: int) -> int:
        order.append("late")
        return x

    SyncRunner().run(Graph([late, early]), x=1)
    assert order == ["early", "late"]


def test_emit_names_are_outputs_but_never_in_results():
    @node(output_name="a", emit="done")
    def early(x: int) -> int:
        return x

    graph = Graph([early])
    assert "done" in graph.outputs
    assert SyncRunner().run(graph, x=1).values == {"a": 1}


def test_new_emission_reruns_a_waiter_in_a_loop():
    logged = []

    @node(output_name="count", emit="counted")
    def counter(count: int) -> int:
        return count + 1

    @node(output_name="note", wait_for="counted")
    def note(label: str) -> str:
        logged.append(label)
        return label

    @route(targets=["counter", END])
    def more(count: int):
        return END if count >= 3 else "counter"

    result = SyncRunner().run(Graph([counter, note, more]), count=0, label="tick")
    assert result["count"] == 3
    assert logged == ["tick", "tick", "tick"]


# ---------------------------------------------------------------- entry points
def test_with_entrypoint_keeps_upstream_nodes_from_running():
    calls = []

    @node(output_name="mid")
    def upstream(x: int) -> int:
        calls.append("upstream")
        return x + 1

    @node(output_name="out")
    def downstream(mid: int) -> int:
        calls.append("downstream")
        return mid * 10

    graph = Graph([upstream, downstream]).with_entrypoint("downstream")
    result = SyncRunner().run(graph, x=1, mid=5, on_internal_override="ignore")
    assert calls == ["downstream"]
    assert result["out"] == 50
