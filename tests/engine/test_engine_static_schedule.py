"""The precomputed schedule for plain DAGs (engine/static.py) against the incremental scheduler.

Property: on random DAGs — with defaults, bindings, supplied intermediate values, nodes that
never get their inputs and nodes that fail — whatever :func:`scheduler_for` picks produces the
same supersteps and the same final values as the incremental :class:`Scheduler`.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypergraph import END, FunctionNode, Graph, RouteNode, node
from hypergraph.engine import RunState, Scheduler, compile_plan
from hypergraph.engine.static import StaticScheduler, scheduler_for, static_levels
from hypergraph.runners.loop.call import RunContext, fail_call, finish_call, prepare_call


def _function_node(index: int, params: list[str], defaults: set[str], fails_on: int | None):
    """``v<index> = f(params)``; raises ValueError when the result equals ``fails_on``."""
    name = f"f{index}"
    # Keyword-only, so defaulted and required parameters may come in any order.
    declared = [p if p not in defaults else f"{p}=1" for p in params]
    signature = ", ".join(["*", *declared]) if declared else ""
    body = f"(sum([{', '.join(params)}]) * {index + 2} + 1) % 7"
    check = f"    if {body} == {fails_on}:\n        raise ValueError('{name}')\n"
    source = f"def {name}({signature}):\n" + (check if fails_on is not None else "")
    namespace: dict = {}
    exec(source + f"    return {body}\n", namespace)
    return FunctionNode(namespace[name], output_name=f"v{index}")


@st.composite
def random_dags(draw):
    size = draw(st.integers(1, 7))
    # A name has a default on every consumer or on none (the graph rejects a mix).
    defaults = set(draw(st.lists(st.sampled_from(["x0", "x2", "v0"]), unique=True, max_size=2)))
    nodes = []
    for i in range(size):
        upstream = [f"v{j}" for j in range(i)]  # earlier outputs only: a DAG
        params = draw(st.lists(st.sampled_from(upstream), unique=True, max_size=2)) if i else []
        params += draw(st.lists(st.sampled_from(["x0", "x1", "x2"]), unique=True, max_size=1))
        params.sort()
        fails_on = draw(st.one_of(st.none(), st.integers(0, 6)))
        nodes.append(_function_node(i, params, defaults, fails_on))
    graph = Graph(list(draw(st.permutations(nodes))))
    if "x2" in graph.inputs.all and draw(st.booleans()):
        graph = graph.bind(x2=draw(st.integers(0, 3)))
    keys = ["x0", "x1"] if draw(st.integers(0, 4)) else ["x0"]
    if draw(st.integers(0, 3)) == 0:  # now and then, supply intermediate values as well
        produced = [f"v{i}" for i in range(size)]
        keys += draw(st.lists(st.sampled_from(produced), unique=True, min_size=1, max_size=2))
    return graph, {k: draw(st.integers(0, 3)) for k in keys}


def _drive(plan, scheduler, state) -> list[tuple[int, ...]]:
    """Run supersteps through the real call path; return the node indices of each superstep."""
    ctx = RunContext(None)
    batches: list[tuple[int, ...]] = []
    for _ in range(50):
        ready = scheduler.next_ready()
        if not ready:
            break
        batches.append(tuple(ready))
        calls = [prepare_call(plan.nodes[i], state, ctx) for i in ready]
        finished = []
        for call in calls:
            try:
                finish_call(call, call.func(*call.args, **call.kwargs))
                finished.append(call)
            except Exception as exc:
                fail_call(call, exc)
                break
        scheduler.apply(finished)
        if len(finished) < len(calls):
            break
    return batches


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_dags())
def test_chosen_scheduler_matches_the_incremental_scheduler(case):
    graph, supplied = case
    plan = compile_plan(graph)
    chosen_state = RunState(len(plan.nodes), supplied)
    chosen = scheduler_for(plan, chosen_state)
    reference_state = RunState(len(plan.nodes), supplied)
    reference = Scheduler(plan, reference_state)
    assert _drive(plan, chosen, chosen_state) == _drive(plan, reference, reference_state)
    assert chosen_state.values == reference_state.values


# ------------------------------------------------------------------------ when it applies
@node(output_name="b")
def step_one(a: int) -> int:
    return a + 1


@node(output_name="c")
def step_two(b: int) -> int:
    return b * 2


@node(output_name="d")
def step_three(b: int, c: int) -> int:
    return b + c


def _kind(graph: Graph, supplied: dict) -> type:
    plan = compile_plan(graph)
    return type(scheduler_for(plan, RunState(len(plan.nodes), supplied)))


def test_plain_dag_gets_the_precomputed_supersteps():
    graph = Graph([step_three, step_two, step_one])
    plan = compile_plan(graph)
    assert static_levels(plan, frozenset({"a"})) == ((2,), (1,), (0,))
    assert _kind(graph, {"a": 1}) is StaticScheduler


def test_supplying_a_produced_name_needs_the_incremental_scheduler():
    graph = Graph([step_one, step_two])
    assert _kind(graph, {"a": 1, "b": 5}) is Scheduler
    assert _kind(graph, {"a": 1}) is StaticScheduler  # the memo keeps key sets apart


def test_a_default_on_a_produced_input_needs_the_incremental_scheduler():
    @node(output_name="c")
    def uses_default(b: int = 0) -> int:
        return b

    assert _kind(Graph([step_one, uses_default]), {"a": 1}) is Scheduler


def test_gates_and_cycles_need_the_incremental_scheduler():
    @node(output_name="count")
    def increment(count: int) -> int:
        return count + 1

    def decide(count: int) -> object:
        return END if count > 2 else "increment"

    gate = RouteNode(decide, targets=["increment", END])
    assert _kind(Graph([increment, gate]), {"count": 0}) is Scheduler


def test_two_producers_of_one_name_need_the_incremental_scheduler():
    @node(output_name="b")
    def also_b(c: int) -> int:
        return c

    # An ordering edge between the producers makes the shared output legal.
    graph = Graph([step_one, also_b], edges=[(step_one, also_b)])
    assert _kind(graph, {"a": 1, "c": 2}) is Scheduler
