"""The compiled execution plan: lookup tables, caching, thread-safe sharing."""

from __future__ import annotations

from hypergraph import END, Graph, node, route
from hypergraph.engine import EMITTED, compile_plan, get_plan
from hypergraph.engine.resolve import FROM_BOUND, FROM_COPIED_DEFAULT, FROM_DEFAULT


@node(output_name="count", emit="bumped")
def increment(count: int, step: int = 1) -> int:
    return count + step


@route(targets=["increment", END])
def check(count: int):
    return END


@node(output_name="report", wait_for="bumped")
def report(count: int, items: list = []) -> str:  # noqa: B006 - mutable default on purpose
    return str(count)


def test_plan_indexes_consumers_gates_and_targets():
    plan = compile_plan(Graph([increment, check, report]))
    names = [p.name for p in plan.nodes]
    assert names == ["increment", "check", "report"]
    assert plan.consumers["count"] == (0, 1, 2)
    inc, gate, rep = plan.nodes
    assert gate.is_gate and gate.targets == (0,)
    assert inc.gates == (1,) and rep.gates == ()
    assert rep.wait_for == ("bumped",) and plan.consumers["bumped"] == (2,)
    assert rep.watched == ("count", "items", "bumped") and rep.wait_offset == 2
    assert inc.emits == ("bumped",) and inc.data_outputs == ("count",)
    assert plan.has_cycles is True


def test_self_produced_inputs_are_ignored_only_for_ungated_nodes():
    ungated = compile_plan(Graph([increment]))
    assert ungated.nodes[0].watched == ("step",)
    gated = compile_plan(Graph([increment, check]))
    assert gated.nodes[0].watched == ("count", "step")


def test_plan_records_where_inputs_fall_back_to():
    plan = compile_plan(Graph([increment, report]).bind(step=5))
    inc, rep = plan.nodes
    assert [(name, kind) for name, _, kind, _ in inc.sources] == [
        ("count", 0),
        ("step", FROM_BOUND),
    ]
    assert rep.sources[1][2] == FROM_COPIED_DEFAULT
    assert inc.state_inputs == ("count",)
    plain = compile_plan(Graph([increment]))
    assert plain.nodes[0].sources[1][2] == FROM_DEFAULT


def test_entrypoint_limits_the_active_set_to_descendants():
    @node(output_name="a")
    def first(x: int) -> int:
        return x

    @node(output_name="b")
    def second(a: int) -> int:
        return a

    @node(output_name="c")
    def third(b: int) -> int:
        return b

    plan = compile_plan(Graph([first, second, third]).with_entrypoint("second"))
    assert plan.active == (1, 2)
    assert [p.active for p in plan.nodes] == [False, True, True]


def test_emit_only_names_are_not_result_names():
    @node(output_name="a", emit="done")
    def first(x: int) -> int:
        return x

    plan = compile_plan(Graph([first]))
    assert plan.nodes[0].emits == ("done",)
    assert plan.result_names == ("a",)
    assert repr(EMITTED) == "<emitted>"


def test_plan_is_cached_on_the_graph_and_not_shared_by_derived_graphs():
    graph = Graph([increment])
    plan = get_plan(graph)
    assert get_plan(graph) is plan
    bound = graph.bind(step=3)
    assert get_plan(bound) is not plan
    assert get_plan(bound).nodes[0].sources[1][2] == FROM_BOUND
