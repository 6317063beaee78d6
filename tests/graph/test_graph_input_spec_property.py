"""Property test: InputSpec of random DAGs of function nodes vs. an independent computation.

Each generated node ``n<i>`` outputs ``v<i>`` and reads some earlier ``v<j>`` and some external
names ``e<k>``. An external name is defaulted on all of its consumers or on none (mixed defaults
are a configuration error), and may be bound. The oracle walks the node list directly, without
networkx, following docs/guides/graphs.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from hypergraph import Graph, node

EXTERNALS = [f"e{k}" for k in range(5)]


@dataclass
class Case:
    params: list[list[str]]  # params[i] = parameter names of node n<i>
    defaulted: set[str]
    bound: set[str]
    order: list[int]  # constructor order of the nodes
    entry: int | None
    selected: int | None


@st.composite
def cases(draw: st.DrawFn) -> Case:
    count = draw(st.integers(min_value=1, max_value=7))
    params = []
    for i in range(count):
        upstream = draw(
            st.lists(st.sampled_from([f"v{j}" for j in range(i)] or ["e0"]), max_size=3)
        )
        external = draw(st.lists(st.sampled_from(EXTERNALS), max_size=3))
        params.append(list(dict.fromkeys(upstream + external)))
    defaulted = set(draw(st.lists(st.sampled_from(EXTERNALS), max_size=5)))
    bound = set(draw(st.lists(st.sampled_from(EXTERNALS), max_size=2)))
    order = draw(st.permutations(list(range(count))))
    entry = draw(st.none() | st.integers(min_value=0, max_value=count - 1))
    selected = draw(st.none() | st.integers(min_value=0, max_value=count - 1))
    return Case(params, defaulted, bound, list(order), entry, selected)


def build_node(index: int, params: list[str], defaulted: set[str]):
    # Parameters with defaults must follow those without, so sort them to the end.
    ordered = sorted(params, key=lambda p: p in defaulted)
    signature = ", ".join(f"{p}=0" if p in defaulted else p for p in ordered)
    namespace: dict = {}
    exec(f"def n{index}({signature}):\n    return 0\n", namespace)
    return node(namespace[f"n{index}"], output_name=f"v{index}"), ordered


def expected_spec(case: Case, ordered_params: dict[int, list[str]]):
    produced_by = {f"v{i}": i for i in range(len(case.params))}
    consumers = {
        i: [j for j, ps in ordered_params.items() if f"v{i}" in ps] for i in ordered_params
    }

    def closure(start: int, step) -> set[int]:
        seen, stack = set(), [start]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(step(current))
        return seen

    scope = set(ordered_params)
    if case.entry is not None:
        scope = closure(case.entry, lambda i: consumers[i])
    if case.selected is not None:

        def feeders(i: int) -> list[int]:
            return [produced_by[p] for p in ordered_params[i] if p in produced_by]

        if case.selected in scope:
            scope = closure(case.selected, lambda i: [f for f in feeders(i) if f in scope])
        else:
            scope = set()
    produced_in_scope = {f"v{i}" for i in scope}
    required, optional = [], []
    for i in case.order:
        if i not in scope:
            continue
        for param in ordered_params[i]:
            if param in produced_in_scope:
                continue  # producer and consumer both active: a data edge inside the scope
            if param in required or param in optional:
                continue
            if param in case.defaulted or param in case.bound:
                optional.append(param)
            else:
                required.append(param)
    return tuple(required), tuple(optional)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_input_spec_of_random_dags_matches_an_independent_computation(case: Case):
    built = {i: build_node(i, ps, case.defaulted) for i, ps in enumerate(case.params)}
    ordered_params = {i: ps for i, (_, ps) in built.items()}
    graph = Graph([built[i][0] for i in case.order])
    bound_names = {b for b in case.bound if any(b in ps for ps in case.params)}
    if bound_names:
        graph = graph.bind(**{b: 1 for b in bound_names})
    case.bound = bound_names
    if case.entry is not None:
        graph = graph.with_entrypoint(f"n{case.entry}")
    if case.selected is not None:
        graph = graph.select(f"v{case.selected}")

    required, optional = expected_spec(case, ordered_params)
    assert graph.inputs.required == required
    assert graph.inputs.optional == optional
    assert graph.inputs.entrypoints == {}
    assert graph.inputs.bound == {b: 1 for b in bound_names}
    assert not graph.has_cycles
