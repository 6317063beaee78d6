"""Property: SyncRunner on a random DAG of arithmetic nodes equals evaluating it by hand.

Each node reads a random subset of earlier outputs and external inputs (some defaulted, some
bound), may return several outputs, and is listed in a random order. The oracle evaluates the
same functions directly in topological order.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hypergraph import FunctionNode, Graph, SyncRunner

EXTERNAL = ("a", "b", "c")
DEFAULT_FOR = {"c": 3}  # every consumer of c declares this default


def _make_function(index: int, params: list[str], n_outputs: int, factor: int):
    name = f"node{index}"
    # Defaulted parameters go last so the generated signature is valid Python.
    ordered = [p for p in params if p not in DEFAULT_FOR] + [p for p in params if p in DEFAULT_FOR]
    signature = ", ".join(f"{p}={DEFAULT_FOR[p]}" if p in DEFAULT_FOR else p for p in ordered)
    total = " + ".join(params) if params else "0"
    if n_outputs == 1:
        body = f"return ({total}) * {factor} + {index}"
    else:
        body = f"return ({total}) * {factor}, ({total}) - {index}"
    namespace: dict = {}
    exec(f"def {name}({signature}):\n    {body}\n", namespace)
    return namespace[name]


@st.composite
def random_dags(draw):
    size = draw(st.integers(1, 12))
    specs = []
    produced: list[str] = []
    for i in range(size):
        params = draw(st.lists(st.sampled_from([*produced, *EXTERNAL]), unique=True, max_size=4))
        n_outputs = draw(st.sampled_from([1, 1, 2]))
        outputs = [f"o{i}"] if n_outputs == 1 else [f"o{i}", f"p{i}"]
        factor = draw(st.integers(-3, 3))
        specs.append((i, params, outputs, factor))
        produced.extend(outputs)
    order = draw(st.permutations(range(size)))
    bind_b = draw(st.booleans())
    supplied = {"a": draw(st.integers(-5, 5))}
    if not bind_b:
        supplied["b"] = draw(st.integers(-5, 5))
    if draw(st.booleans()):
        supplied["c"] = draw(st.integers(-5, 5))
    return specs, order, bind_b, supplied


@settings(max_examples=150, deadline=None)
@given(random_dags())
def test_sync_run_matches_direct_evaluation(case):
    specs, order, bind_b, supplied = case
    functions = {}
    nodes = []
    for index, params, outputs, factor in specs:
        func = _make_function(index, params, len(outputs), factor)
        functions[index] = func
        output_name = outputs[0] if len(outputs) == 1 else tuple(outputs)
        nodes.append(FunctionNode(func, output_name=output_name))
    graph = Graph([nodes[i] for i in order])
    if bind_b and "b" in graph.inputs.all:
        graph = graph.bind(b=100)
    values = {k: v for k, v in supplied.items() if k in graph.inputs.all}

    # Oracle: topological (construction) order, same precedence rules by hand.
    env = dict(values)
    if bind_b:
        env.setdefault("b", 100)
    expected = {}
    for index, params, outputs, _ in specs:
        kwargs = {p: env[p] for p in params if p in env}
        result = functions[index](**kwargs)
        produced = [result] if len(outputs) == 1 else list(result)
        for name, value in zip(outputs, produced):
            env[name] = value
            expected[name] = value

    result = SyncRunner().run(graph, values)
    assert result.status == "completed"
    assert result.values == {name: expected[name] for name in graph.outputs}
