"""The readiness rule (docs/guides/running.md) and the incremental scheduler, checked on real
graphs."""

from __future__ import annotations

from hypergraph import END, FunctionNode, Graph, SyncRunner, node, route
from hypergraph.engine import RunState, Scheduler, brute_force_ready, compile_plan, is_ready
from hypergraph.engine import scheduler as scheduler_module
from hypergraph.runners.loop.call import RunContext, finish_call, prepare_call


def _step(plan, state, scheduler, ctx):
    """Run one superstep through the real call path; return the names that ran."""
    ready = scheduler.next_ready()
    calls = [prepare_call(plan.nodes[i], state, ctx) for i in ready]
    for call in calls:
        finish_call(call, call.func(*call.args, **call.kwargs))
    scheduler.apply(calls)
    return [plan.nodes[i].name for i in ready]


@node(output_name="count")
def increment(count: int) -> int:
    return count + 1


@node(output_name="doubled")
def double(count: int) -> int:
    return count * 2


def test_never_run_node_with_inputs_is_ready_then_not_after_running():
    plan = compile_plan(Graph([double]))
    state = RunState(1, {"count": 2})
    assert is_ready(plan, state, 0)
    scheduler = Scheduler(plan, state)
    assert _step(plan, state, scheduler, RunContext(None)) == ["double"]
    assert not is_ready(plan, state, 0)
    assert state.values["doubled"] == 4


def test_node_missing_an_input_is_not_ready():
    plan = compile_plan(Graph([double]))
    assert not is_ready(plan, RunState(1, {}), 0)


def test_changed_input_makes_a_node_stale_again():
    plan = compile_plan(Graph([double]))
    state = RunState(1, {"count": 2})
    scheduler = Scheduler(plan, state)
    _step(plan, state, scheduler, RunContext(None))
    state.write("count", 3)
    assert is_ready(plan, state, 0)
    state2 = RunState(1, {"count": 2})
    Scheduler(plan, state2)
    _step(plan, state2, Scheduler(plan, state2), RunContext(None))
    state2.write("count", 2)  # equal value: no new version, not stale
    assert not is_ready(plan, state2, 0)


def _loop_graph(default_open=True):
    @route(targets=["increment", END], default_open=default_open)
    def check(count: int):
        return END if count >= 2 else "increment"

    return Graph([increment, check])


def test_gate_targets_are_held_back_while_the_gate_is_ready():
    plan = compile_plan(_loop_graph())
    state = RunState(2, {"count": 0})
    # Both are ready on their own; the superstep rule holds the target back.
    assert is_ready(plan, state, 0) and is_ready(plan, state, 1)
    assert Scheduler(plan, state).next_ready() == [1]


def test_default_closed_gate_blocks_its_targets_before_deciding():
    plan = compile_plan(_loop_graph(default_open=False))
    state = RunState(2, {"count": 0})
    assert not is_ready(plan, state, 0)


def test_stale_gate_decision_is_cleared_but_end_is_kept():
    plan = compile_plan(_loop_graph(default_open=False))
    state = RunState(2, {"count": 0})
    scheduler = Scheduler(plan, state)
    ctx = RunContext(None)
    assert _step(plan, state, scheduler, ctx) == ["check"]
    assert state.decisions[1] == frozenset({"increment"})
    assert _step(plan, state, scheduler, ctx) == ["increment"]
    # count changed: the gate is stale, its decision goes before readiness is computed.
    assert _step(plan, state, scheduler, ctx) == ["check"]
    assert _step(plan, state, scheduler, ctx) == ["increment"]
    assert _step(plan, state, scheduler, ctx) == ["check"]
    assert state.decisions[1] == frozenset({END})
    state.write("count", 100)  # the gate is stale again, but an END decision stays
    scheduler._candidates.update(plan.consumers["count"])
    assert brute_force_ready(plan, state) == [1]
    assert scheduler.next_ready() == [1]
    assert state.decisions[1] == frozenset({END})


def test_stale_gate_that_cannot_run_blocks_its_targets():
    @node(output_name="count", emit="tick")
    def source(seed: int) -> int:
        return seed

    @route(targets=["double", END], default_open=False, wait_for="tick")
    def gate(count: int):
        return "double"

    plan = compile_plan(Graph([source, gate, double]))
    state = RunState(3, {"seed": 1})
    scheduler = Scheduler(plan, state)
    ctx = RunContext(None)
    assert _step(plan, state, scheduler, ctx) == ["source"]
    assert _step(plan, state, scheduler, ctx) == ["gate"]
    assert _step(plan, state, scheduler, ctx) == ["double"]
    # count changes without a new tick: gate is stale but may not run; its decision is dropped,
    # so double (stale too) must not run on the old decision.
    state.write("count", 5)
    scheduler._candidates.update(plan.consumers["count"])
    assert brute_force_ready(plan, state) == []
    assert scheduler.next_ready() == []
    assert 1 not in state.decisions


def test_wait_for_needs_a_fresh_signal_after_the_first_run():
    @node(output_name="a", emit="sig")
    def producer(x: int) -> int:
        return x

    @node(output_name="b", wait_for="sig")
    def waiter(y: int) -> int:
        return y

    plan = compile_plan(Graph([producer, waiter]))
    state = RunState(2, {"x": 1, "y": 1})
    assert not is_ready(plan, state, 1)  # signal absent
    scheduler = Scheduler(plan, state)
    ctx = RunContext(None)
    assert _step(plan, state, scheduler, ctx) == ["producer"]
    assert _step(plan, state, scheduler, ctx) == ["waiter"]
    state.write("y", 2)  # a changed input alone is not enough
    assert not is_ready(plan, state, 1)
    state.emit("sig")
    assert is_ready(plan, state, 1)


def test_chain_costs_linear_readiness_checks(monkeypatch):
    checks = []
    real = scheduler_module.is_ready

    def counting(plan, state, index):
        checks.append(index)
        return real(plan, state, index)

    monkeypatch.setattr(scheduler_module, "is_ready", counting)
    size = 300
    nodes = [
        FunctionNode(lambda v: v + 1, name=f"n{i}", output_name=f"v{i + 1}").with_inputs(v=f"v{i}")
        for i in range(size)
    ]
    assert SyncRunner().run(Graph(nodes), v0=0)[f"v{size}"] == size
    # First superstep checks every node once, then each superstep only the next node.
    assert len(checks) <= 2 * size + 1


def test_clearing_a_stale_decision_reopens_default_open_targets():
    @node(output_name="count", emit="tick")
    def source(seed: int) -> int:
        return seed

    @route(targets=["a_node", "b_node"], wait_for="tick")
    def gate(count: int):
        return "b_node"

    @node(output_name="a_out")
    def a_node(a_in: int) -> int:
        return a_in

    @node(output_name="b_out")
    def b_node(x: int) -> int:
        return x

    plan = compile_plan(Graph([source, gate, a_node, b_node]))
    state = RunState(4, {"seed": 1, "x": 1})
    scheduler = Scheduler(plan, state)
    ctx = RunContext(None)
    assert _step(plan, state, scheduler, ctx) == ["source", "b_node"]
    assert _step(plan, state, scheduler, ctx) == ["gate"]
    assert _step(plan, state, scheduler, ctx) == []
    state.write("a_in", 1)  # a_node could run now, but the gate routed to b_node
    scheduler._candidates.update(plan.consumers["a_in"])
    assert scheduler.next_ready() == []
    # The gate's input changes without a new tick: stale but not ready, so its decision is
    # dropped and the default-open gate no longer blocks a_node.
    state.write("count", 9)
    scheduler._candidates.update(plan.consumers["count"])
    assert brute_force_ready(plan, state) == [2]
    assert scheduler.next_ready() == [2]
