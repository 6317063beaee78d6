"""Property: the incremental ready set equals the brute-force one at every superstep.

Random graphs mix function nodes reading each other's outputs (so cycles and self-loops occur),
route gates (single and multi target, default open or closed, targeting nodes, other gates and
END), bound values, and emit/wait_for signals. The engine is driven superstep by superstep
through the real call path; before each superstep the brute-force oracle (readiness predicate
over every node) must agree with what the scheduler chose from its candidate set.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypergraph import END, FunctionNode, Graph, RouteNode
from hypergraph.engine import RunState, Scheduler, brute_force_ready, compile_plan
from hypergraph.runners.loop.call import RunContext, fail_call, finish_call, prepare_call

EXTERNAL = ("x0", "x1")


def _function_node(index: int, params: list[str], emit: str | None, wait_for: str | None):
    name = f"f{index}"
    body = f"(sum([{', '.join(params)}]) * {index + 2} + 1) % 5"
    namespace: dict = {}
    exec(f"def {name}({', '.join(params)}):\n    return {body}\n", namespace)
    return FunctionNode(namespace[name], output_name=f"v{index}", emit=emit, wait_for=wait_for)


def _gate(
    index: int,
    params: list[str],
    targets: list,
    multi: bool,
    default_open: bool,
    wait_for: str | None,
):
    name = f"g{index}"
    namespace: dict = {"OPTIONS": targets}
    if multi:
        choice = "[t for k, t in enumerate(OPTIONS) if (total >> k) & 1]"
    else:
        choice = "OPTIONS[total % len(OPTIONS)]"
    source = f"def {name}({', '.join(params)}):\n    total = sum([{', '.join(params)}])\n"
    exec(source + f"    return {choice}\n", namespace)
    return RouteNode(
        namespace[name],
        targets=targets,
        multi_target=multi,
        default_open=default_open,
        wait_for=wait_for,
    )


@st.composite
def random_graphs(draw):
    n_funcs = draw(st.integers(2, 6))
    n_gates = draw(st.integers(0, 2))
    values = [f"v{i}" for i in range(n_funcs)]
    pool = values + list(EXTERNAL)
    emitters = draw(st.sets(st.integers(0, n_funcs - 1), max_size=2))
    nodes = []
    for i in range(n_funcs):
        params = draw(st.lists(st.sampled_from(pool), unique=True, max_size=3))
        emit = f"s{i}" if i in emitters else None
        wait_choices = [f"s{j}" for j in emitters if j != i]
        wait_for = None
        if wait_choices and draw(st.booleans()):
            wait_for = draw(st.sampled_from(wait_choices))
        nodes.append(_function_node(i, sorted(params), emit, wait_for))
    node_names = [f"f{i}" for i in range(n_funcs)] + [f"g{k}" for k in range(n_gates)]
    for k in range(n_gates):
        params = draw(st.lists(st.sampled_from(pool), unique=True, min_size=1, max_size=2))
        candidates = [n for n in node_names if n != f"g{k}"]
        targets: list = draw(st.lists(st.sampled_from(candidates), unique=True, min_size=1))
        if draw(st.booleans()):
            targets.append(END)
        signals = [f"s{j}" for j in emitters]
        wait_for = draw(st.sampled_from(signals)) if signals and draw(st.booleans()) else None
        multi, default_open = draw(st.booleans()), draw(st.booleans())
        nodes.append(_gate(k, sorted(params), targets, multi, default_open, wait_for))
    order = draw(st.permutations(nodes))
    graph = Graph(list(order))
    if "x1" in graph.inputs.all and draw(st.booleans()):
        graph = graph.bind(x1=draw(st.integers(0, 4)))
    supplied = {"x0": draw(st.integers(0, 4))}
    if "x1" not in graph.bound_values and draw(st.booleans()):
        supplied["x1"] = draw(st.integers(0, 4))
    for name in draw(st.sets(st.sampled_from(values), max_size=2)):
        supplied[name] = draw(st.integers(0, 4))
    return graph, supplied


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_incremental_ready_set_matches_brute_force(case):
    graph, supplied = case
    plan = compile_plan(graph)
    state = RunState(len(plan.nodes), supplied)
    scheduler = Scheduler(plan, state)
    ctx = RunContext(None)
    for _ in range(60):
        expected = brute_force_ready(plan, state)
        ready = scheduler.next_ready()
        assert ready == expected
        if not ready:
            return
        calls = [prepare_call(plan.nodes[i], state, ctx) for i in ready]
        for call in calls:
            try:
                finish_call(call, call.func(*call.args, **call.kwargs))
            except Exception as exc:  # e.g. a route choosing END it does not list
                fail_call(call, exc)
        scheduler.apply([call for call in calls if call.outputs is not None])
