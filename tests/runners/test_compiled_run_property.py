"""Property: the compiled fast path (runners/loop/compiled_run.py) never changes a result.

Random DAGs of arithmetic nodes — several outputs, defaults, bindings, nodes that raise, a
nested graph now and then, optional inputs left out, intermediate values supplied, a random
``select`` and ``on_missing`` — and graphs nested up to four deep (renamed inputs and outputs,
inner bindings and selections, which the compiled path writes inline) run through ``SyncRunner.run`` and ``SyncRunner.map`` twice: as
users run them (the fast path whenever it applies) and on the general scheduler. The general
path is forced either through the runner's ``_inline_calls`` switch or by a processor listening
to events. Values (with their order), status, error (type, message, notes, failing node),
pause and the number of results must be identical; for ``error_handling="raise"`` the raised
exception must be.

Graphs that gates route and cycles repeat take the other fast path, the scheduler automaton
(runners/loop/compiled_loop.py). Random graphs of nodes reading each other's outputs (cycles,
self-loops, nodes rewriting their own input), route and ifelse gates (single and multi target,
default open or closed, END, now and then an invalid decision), values that often come out
equal to the previous ones (no new version), defaults, bindings, nodes that raise and small
``max_iterations`` caps are compared the same way.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hypergraph import END, AsyncRunner, FunctionNode, Graph, IfElseNode, RouteNode, SyncRunner
from hypergraph.events import EventProcessor
from hypergraph.exceptions import MissingInputError
from hypergraph.runners.checks.arguments import prepare_run

EXTERNAL = ("a", "b", "c")
DEFAULT_FOR = {"c": 3}  # every consumer of c declares this default
CALLS: list[tuple[Any, ...]] = []  # every call of a random node: (name, its arguments)


class _Ignore(EventProcessor):
    """Listens to every event and does nothing: the run is observed, so it is not compiled."""

    def on_event(self, event: Any) -> None:
        pass


def _general_runner() -> SyncRunner:
    runner = SyncRunner()
    runner._inline_calls = False  # type: ignore[misc]
    return runner


def _make_node(index: int, params: list[str], n_outputs: int, factor: int, fails_on: int | None):
    name = f"node{index}"
    ordered = [p for p in params if p not in DEFAULT_FOR] + [p for p in params if p in DEFAULT_FOR]
    signature = ", ".join(f"{p}={DEFAULT_FOR[p]}" if p in DEFAULT_FOR else p for p in ordered)
    total = " + ".join(params) if params else "0"
    check = ""
    if fails_on is not None:
        check = f"    if ({total}) % 5 == {fails_on}:\n        raise ValueError('{name} refused')\n"
    if n_outputs == 1:
        body = f"return ({total}) * {factor} + {index}"
    elif n_outputs == 2:
        body = f"return ({total}) * {factor}, ({total}) - {index}"
    else:  # declares two outputs but returns three values: the node's own error
        body = f"return ({total}), 1, 2"
    logged = f"    CALLS.append(({name!r}, {', '.join([*params, ''])}))\n"
    namespace: dict[str, Any] = {"CALLS": CALLS}
    exec(f"def {name}({signature}):\n{logged}{check}    {body}\n", namespace)
    outputs = f"o{index}" if n_outputs == 1 else (f"o{index}", f"p{index}")
    return FunctionNode(namespace[name], output_name=outputs)


@st.composite
def random_graphs(draw: Any) -> tuple[Graph, dict[str, Any], dict[str, Any]]:
    size = draw(st.integers(1, 9))
    nodes = []
    produced: list[str] = []
    for i in range(size):
        params = draw(st.lists(st.sampled_from([*produced, *EXTERNAL]), unique=True, max_size=3))
        n_outputs = draw(st.sampled_from([1, 1, 1, 2, 3]))
        fails_on = draw(st.one_of(st.none(), st.none(), st.integers(0, 4)))
        node = _make_node(i, params, n_outputs, draw(st.integers(-3, 3)), fails_on)
        nodes.append(node)
        produced.extend(node.data_outputs)
    if size > 1 and draw(st.booleans()):  # wrap a prefix of the nodes as a nested graph
        cut = draw(st.integers(1, size - 1))
        inner = Graph(nodes[:cut], name="inner")
        if draw(st.booleans()):
            inner = inner.select(*draw(st.lists(st.sampled_from(inner.outputs), min_size=1,
                                                unique=True)))  # fmt: skip
        nodes = [inner.as_node(), *nodes[cut:]]
    graph = Graph(list(draw(st.permutations(nodes))), name="random")
    if "b" in graph.inputs.all and draw(st.booleans()):
        graph = graph.bind(b=100)
    inputs = [name for name in graph.inputs.all if name in EXTERNAL]
    supplied = {name: draw(st.integers(-5, 5)) for name in inputs if draw(st.integers(0, 5))}
    if draw(st.integers(0, 4)) == 0:  # now and then an intermediate value is supplied too
        name = draw(st.sampled_from(graph.outputs))
        supplied[name] = draw(st.integers(-5, 5))
    options: dict[str, Any] = {
        "error_handling": draw(st.sampled_from(["raise", "continue"])),
        "on_missing": draw(st.sampled_from(["ignore", "warn", "error"])),
    }
    if draw(st.booleans()):
        options["select"] = draw(st.lists(st.sampled_from(graph.outputs), unique=True))
    return graph, supplied, options


def _outcome(operation: Any) -> tuple[str, Any]:
    """``("returned", result)`` or ``("raised", exception)``, with warnings captured."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            returned = operation()
        except Exception as exc:
            return "raised", (_error(exc), [str(w.message) for w in caught])
    return "returned", (returned, [str(w.message) for w in caught])


def _error(exc: BaseException | None) -> Any:
    if exc is None:
        return None
    return (
        type(exc),
        exc.args,
        getattr(exc, "__notes__", None),
        getattr(exc, "_hypergraph_failed_node", None),
    )


def _result(result: Any) -> Any:
    return (
        list(result.values.items()),
        result.status,
        _error(result.error),
        result.failed_node,
        result.pause,
        result.workflow_id,
        result.run_id.startswith("run-"),
    )


def _same(fast: tuple[str, Any], general: tuple[str, Any], many: bool) -> None:
    assert fast[0] == general[0]
    if fast[0] == "raised":
        assert fast[1] == general[1]
        return
    (fast_value, fast_warnings), (general_value, general_warnings) = fast[1], general[1]
    assert fast_warnings == general_warnings
    if many:
        assert [_result(r) for r in fast_value] == [_result(r) for r in general_value]
    else:
        assert _result(fast_value) == _result(general_value)


def _run_matches_general_scheduler(case: Any, observed: bool) -> None:
    """One ``SyncRunner.run`` of ``case`` on the fast path against the general scheduler (a
    runner that never compiles, or one run with an event processor when ``observed``)."""
    graph, supplied, options = case
    general = SyncRunner() if observed else _general_runner()
    extra = {"event_processors": [_Ignore()]} if observed else {}
    fast = _outcome(lambda: SyncRunner().run(graph, dict(supplied), **options))
    slow = _outcome(lambda: general.run(graph, dict(supplied), **options, **extra))
    _same(fast, slow, many=False)


def _map_matches_general_scheduler(
    graph: Any, values: dict[str, Any], map_over: str, options: dict[str, Any]
) -> None:
    """One ``SyncRunner.map`` over ``map_over`` on the fast path against the general scheduler."""
    fast = _outcome(lambda: SyncRunner().map(graph, values, map_over=map_over, **options))
    slow = _outcome(lambda: _general_runner().map(graph, values, map_over=map_over, **options))
    _same(fast, slow, many=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs(), st.booleans())
def test_compiled_run_matches_general_scheduler(case: Any, observed: bool) -> None:
    _run_matches_general_scheduler(case, observed)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs(), st.lists(st.integers(-5, 5), min_size=1, max_size=6))
def test_compiled_map_matches_general_scheduler(case: Any, items: list[int]) -> None:
    graph, supplied, options = case
    inputs = [name for name in graph.inputs.all if name in supplied and name in EXTERNAL]
    if not inputs:
        return
    _map_matches_general_scheduler(graph, {**supplied, inputs[0]: items}, inputs[0], options)


def _async_map(graph: Any, values: dict[str, Any], observed: bool, **options: Any) -> Any:
    """``AsyncRunner.map`` as a user awaits it; ``observed``: with a processor listening (the
    general path), else as it comes (compiled when it qualifies)."""
    extra = {"event_processors": [_Ignore()]} if observed else {}
    return asyncio.run(AsyncRunner().map(graph, values, **options, **extra))


def _with_calls(operation: Any) -> tuple[tuple[str, Any], list[tuple[Any, ...]]]:
    """:func:`_outcome` of ``operation`` and the node calls it made, in order."""
    CALLS.clear()
    outcome = _outcome(operation)
    return outcome, list(CALLS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    random_graphs(),
    st.lists(st.integers(-5, 5), min_size=1, max_size=6),
    st.sampled_from([None, None, 1, 3]),
)
def test_async_map_matches_its_general_path(
    case: Any, items: list[int], max_concurrency: int | None
) -> None:
    """AsyncRunner runs every call of a superstep before looking at failures: unobserved, its
    items run compiled only where that changes nothing (results, errors, calls made)."""
    graph, supplied, options = case
    inputs = [name for name in graph.inputs.all if name in supplied and name in EXTERNAL]
    if not inputs:
        return
    values = {**supplied, inputs[0]: items}
    options = {**options, "map_over": inputs[0], "max_concurrency": max_concurrency}
    fast, fast_calls = _with_calls(lambda: _async_map(graph, values, False, **options))
    slow, slow_calls = _with_calls(lambda: _async_map(graph, values, True, **options))
    _same(fast, slow, many=True)
    assert fast_calls == slow_calls


@pytest.mark.parametrize("error_handling", ["raise", "continue"])
def test_async_map_runs_every_node_of_a_failing_superstep(error_handling: str) -> None:
    """Two independent nodes, the first failing: AsyncRunner still calls the second (its
    superstep runs whole) and fails with the first's error, observed or not."""
    calls: list[str] = []

    def first(x: int) -> int:
        calls.append("first")
        raise ValueError("first refused")

    def second(x: int) -> int:
        calls.append("second")
        return x * 2

    graph = Graph([FunctionNode(first, output_name="y"), FunctionNode(second, output_name="z")])
    outcomes = []
    options = {"map_over": "x", "error_handling": error_handling}
    for observed in (False, True):
        calls.clear()
        outcomes.append(
            _outcome(lambda seen=observed: _async_map(graph, {"x": [1]}, seen, **options))
        )
        assert calls == ["first", "second"]
    _same(*outcomes, many=True)
    if error_handling == "continue":
        (result,) = outcomes[0][1][0]
        assert result.failed_node == "first" and dict(result.values) == {"z": 2}


def test_unobserved_async_map_of_a_chain_runs_compiled() -> None:
    """A chain (one node per superstep) of sync functions: AsyncRunner.map's items are calls
    of the compiled function; a graph with an async node is not compiled."""
    from hypergraph.engine.plan import get_plan

    def inc(x: int) -> int:
        return x + 1

    def twice(y: int) -> int:
        return y * 2

    async def double(y: int) -> int:
        return y * 2

    chain = Graph([FunctionNode(inc, output_name="y"), FunctionNode(twice, output_name="z")])
    results = asyncio.run(AsyncRunner().map(chain, x=[1, 2], map_over="x"))
    assert [r["z"] for r in results] == [4, 6]
    compiled = [c for c in get_plan(chain).compiled.values() if c is not None]
    assert compiled and compiled[0].serial
    mixed = Graph([FunctionNode(inc, output_name="y"), FunctionNode(double, output_name="z")])
    results = asyncio.run(AsyncRunner().map(mixed, x=[1, 2], map_over="x"))
    assert [r["z"] for r in results] == [4, 6]
    assert not [c for c in get_plan(mixed).compiled.values() if c is not None]


@st.composite
def deeply_nested_graphs(draw: Any) -> tuple[Graph, dict[str, Any], dict[str, Any]]:
    """A random DAG whose node prefixes are wrapped again and again: nesting 1 to 4 deep, each
    level maybe bound, selected, or its GraphNode's names renamed."""
    size = draw(st.integers(2, 10))
    nodes: list[Any] = []
    produced: list[str] = []
    for i in range(size):
        params = draw(st.lists(st.sampled_from([*produced, *EXTERNAL]), unique=True, max_size=3))
        fails_on = draw(st.one_of(st.none(), st.none(), st.none(), st.integers(0, 4)))
        n_outputs = draw(st.sampled_from([1, 1, 1, 2]))
        node = _make_node(i, params, n_outputs, draw(st.integers(-3, 3)), fails_on)
        nodes.append(node)
        produced.extend(node.data_outputs)
    for level in range(draw(st.integers(1, 4))):
        if len(nodes) < 2:
            break
        cut = draw(st.integers(1, len(nodes) - 1))
        try:
            inner = Graph(nodes[:cut], name=f"level{level}")
            if draw(st.booleans()):
                names = draw(st.lists(st.sampled_from(inner.outputs), min_size=1, unique=True))
                inner = inner.select(*names)
            bindable = [name for name in EXTERNAL if name in inner.inputs.all]
            if bindable and draw(st.integers(0, 3)) == 0:
                inner = inner.bind(**{draw(st.sampled_from(bindable)): 50 + level})
            wrapped: Any = inner.as_node()
            if draw(st.integers(0, 2)) == 0:
                old = draw(st.sampled_from(wrapped.outputs))
                wrapped = wrapped.with_outputs(**{old: f"{old}_r{level}"})
            if draw(st.integers(0, 3)) == 0 and wrapped.inputs:
                old = draw(st.sampled_from(wrapped.inputs))
                wrapped = wrapped.with_inputs(**{old: f"{old}_in{level}"})
            graph = Graph([wrapped, *nodes[cut:]], name=f"level{level + 1}")
        except Exception:  # a rename or selection the graph refuses: keep what we have
            break
        nodes = list(draw(st.permutations([wrapped, *nodes[cut:]])))
        del graph
    graph = Graph(nodes, name="outer")
    supplied = {
        name: draw(st.integers(-5, 5))
        for name in graph.inputs.all
        if draw(st.integers(0, 6))  # now and then an input is left out
    }
    options: dict[str, Any] = {"error_handling": draw(st.sampled_from(["raise", "continue"]))}
    if draw(st.booleans()):
        options["select"] = draw(st.lists(st.sampled_from(graph.outputs), unique=True))
    return graph, supplied, options


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deeply_nested_graphs(), st.booleans())
def test_compiled_nested_run_matches_general_scheduler(case: Any, observed: bool) -> None:
    _run_matches_general_scheduler(case, observed)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deeply_nested_graphs(), st.lists(st.integers(-5, 5), min_size=1, max_size=4))
def test_compiled_nested_map_matches_general_scheduler(case: Any, items: list[int]) -> None:
    graph, supplied, options = case
    if not supplied:
        return
    name = sorted(supplied)[0]
    _map_matches_general_scheduler(graph, {**supplied, name: items}, name, options)


def test_nested_graphs_are_written_inline() -> None:
    """Three levels of nesting compile to one function calling every node, no inner run."""

    def inc(x: int) -> int:
        return x + 1

    graph = Graph([FunctionNode(inc, output_name="y")], name="g0")
    for level in range(1, 4):
        graph = Graph([graph.as_node(name=f"n{level}")], name=f"g{level}")
    assert SyncRunner().run(graph, x=1)["y"] == 2
    from hypergraph.engine.plan import get_plan

    (compiled,) = [c for c in get_plan(graph).compiled.values() if c is not None]
    assert "nested(" not in compiled.source
    assert [p.name for p in compiled.order] == ["n3"]


@pytest.mark.parametrize("error_handling", ["raise", "continue"])
@pytest.mark.parametrize("fails", [False, True])
def test_graph_nested_past_the_inlining_depth_runs_like_the_general_path(
    fails: bool, error_handling: str
) -> None:
    """120 levels: the outer 100 are inline, the inner 20 one nested call (compiled too) away."""

    def inc(x: int) -> int:
        if fails:
            raise ValueError("innermost refused")
        return x + 1

    graph = Graph([FunctionNode(inc, output_name="y")], name="g0")
    for level in range(1, 121):
        graph = Graph([graph.as_node(name=f"n{level}")], name=f"g{level}")
    fast = _outcome(lambda: SyncRunner().run(graph, x=1, error_handling=error_handling))
    slow = _outcome(lambda: _general_runner().run(graph, x=1, error_handling=error_handling))
    _same(fast, slow, many=False)


def test_gate_past_the_inlining_depth_leaves_its_skipped_output_unset() -> None:
    """Past 100 inline levels a GraphNode is called through ``nested``; one with a gate inside
    may return fewer outputs than it declares, which must stay unset, not fail the run."""

    def left(x: int) -> int:
        return x + 1

    def right(x: int) -> int:
        return x - 1

    gate = IfElseNode(lambda x: x > 0, when_true="left", when_false="right", name="pick")
    core = Graph(
        [gate, FunctionNode(left, output_name="up"), FunctionNode(right, output_name="down")],
        name="core",
    )
    graph = Graph([core.as_node(name="branchy")], name="holder")
    for level in range(1, 111):
        graph = Graph([graph.as_node(name=f"n{level}")], name=f"g{level}")
    fast = _outcome(lambda: SyncRunner().run(graph, x=1))
    slow = _outcome(lambda: _general_runner().run(graph, x=1))
    _same(fast, slow, many=False)
    assert SyncRunner().run(graph, x=1).values == {"up": 2}


def test_unobserved_chain_takes_the_compiled_path() -> None:
    """The switch the property tests rely on really selects the path (and the fast path is used)."""
    calls: list[str] = []

    def step(x: int) -> int:
        calls.append("step")
        return x + 1

    graph = Graph([FunctionNode(step, output_name="y")])
    assert SyncRunner().run(graph, x=1)["y"] == 2
    from hypergraph.engine.plan import get_plan

    plan = get_plan(graph)
    assert [c for c in plan.compiled.values() if c is not None], "the run was compiled"
    plan.compiled.clear()
    assert _general_runner().run(graph, x=1)["y"] == 2
    assert not plan.compiled, "the general path never compiles"
    assert calls == ["step", "step"]


@pytest.mark.parametrize("error_handling", ["raise", "continue"])
def test_compiled_failure_names_the_node_like_the_general_path(error_handling: str) -> None:
    def boom(x: int) -> int:
        raise KeyError(x)

    graph = Graph([FunctionNode(boom, output_name="y")], name="g")
    fast = _outcome(lambda: SyncRunner().run(graph, x=1, error_handling=error_handling))
    slow = _outcome(lambda: _general_runner().run(graph, x=1, error_handling=error_handling))
    _same(fast, slow, many=False)
    if error_handling == "raise":
        assert fast[1][0][2] == ["hypergraph: raised by node 'boom' of graph 'g'"]


# ------------------------------------------------------------------ loops and routed graphs
LOOP_EXTERNAL = ("x0", "x1")  # x1 has a default in every node that reads it


def _signature(params: list[str]) -> str:
    return ", ".join(f"{p}=2" if p == "x1" else p for p in sorted(params, key="x1".__eq__))


def _loop_node(
    index: int, params: list[str], two_outputs: bool, fails_on: int | None, floats: bool
):
    """``f{index}``: small values (mod 5), so a node often writes what is already there; as
    floats, an equal value is a new object, which ``!=`` (not identity) finds unchanged."""
    name = f"f{index}"
    signature = _signature(params)
    total = f"int(sum([{', '.join(params)}]))"
    check = f"    if {total} % 7 == {fails_on}:\n        raise ValueError('{name} refused')\n"
    body = f"({total} * {index + 2} + 1) % 5"
    if floats:
        body = f"float({body})"
    if two_outputs:
        body = f"{body}, {total} % 2"
    namespace: dict[str, Any] = {}
    source = f"def {name}({signature}):\n{check if fails_on is not None else ''}    return {body}\n"
    exec(source, namespace)
    outputs = (f"v{index}", f"w{index}") if two_outputs else f"v{index}"
    return FunctionNode(namespace[name], output_name=outputs)


def _loop_gate(index: int, params: list[str], targets: list[Any], draw: Any) -> Any:
    name = f"g{index}"
    total = f"int(sum([{', '.join(params)}]))"
    if len(targets) == 2 and draw(st.booleans()):
        namespace: dict[str, Any] = {}
        exec(f"def {name}({_signature(params)}):\n    return {total} % 3 != 0\n", namespace)
        return IfElseNode(namespace[name], targets[0], targets[1])
    multi = draw(st.booleans())
    options = list(targets)
    if draw(st.integers(0, 5)) == 0:
        options.append("nowhere")  # not a target: the gate fails when it picks it
    namespace = {"OPTIONS": options}
    if multi:
        choice = "[t for k, t in enumerate(OPTIONS) if (total >> k) & 1]"
    else:
        choice = "OPTIONS[total % len(OPTIONS)]"
    source = f"def {name}({_signature(params)}):\n    total = {total}\n    return {choice}\n"
    exec(source, namespace)
    return RouteNode(
        namespace[name], targets=targets, multi_target=multi, default_open=draw(st.booleans())
    )


@st.composite
def loop_graphs(draw: Any) -> tuple[Graph, dict[str, Any], dict[str, Any]]:
    n_funcs = draw(st.integers(1, 5))
    n_gates = draw(st.integers(0, 2))
    two = draw(st.sets(st.integers(0, n_funcs - 1), max_size=2))
    produced = [f"v{i}" for i in range(n_funcs)] + [f"w{i}" for i in sorted(two)]
    pool = produced + list(LOOP_EXTERNAL)
    nodes = []
    for i in range(n_funcs):
        params = draw(st.lists(st.sampled_from(pool), unique=True, max_size=3))
        if f"v{i}" not in params and draw(st.booleans()):
            params.append(f"v{i}")  # rewrites its own input (an accumulator, an agent's history)
        fails_on = draw(st.one_of(st.none(), st.none(), st.integers(0, 6)))
        nodes.append(_loop_node(i, params, i in two, fails_on, draw(st.booleans())))
    names = [f"f{i}" for i in range(n_funcs)] + [f"g{k}" for k in range(n_gates)]
    for k in range(n_gates):
        params = draw(st.lists(st.sampled_from(pool), unique=True, min_size=1, max_size=2))
        others = [n for n in names if n != f"g{k}"]
        targets: list[Any] = draw(st.lists(st.sampled_from(others), unique=True, min_size=1))
        if draw(st.booleans()):
            targets.append(END)
        nodes.append(_loop_gate(k, params, targets, draw))
    graph = Graph(list(draw(st.permutations(nodes))), name="loop")
    if "x1" in graph.inputs.all and draw(st.booleans()):
        graph = graph.bind(x1=draw(st.integers(0, 4)))
    supplied: dict[str, Any] = {}
    if "x0" in graph.inputs.all:
        supplied["x0"] = draw(st.integers(0, 4))
    if "x1" in graph.inputs.all and "x1" not in graph.bound_values and draw(st.booleans()):
        supplied["x1"] = draw(st.integers(0, 4))
    entries = graph.inputs.entrypoints  # cycle member -> the values that start it there
    if entries:
        for entry in draw(st.lists(st.sampled_from(sorted(entries)), unique=True, max_size=2)):
            supplied.update({name: draw(st.integers(0, 4)) for name in entries[entry]})
    if draw(st.integers(0, 4)) == 0:  # now and then any produced value
        supplied[draw(st.sampled_from(produced))] = draw(st.integers(0, 4))
    options: dict[str, Any] = {
        "error_handling": draw(st.sampled_from(["raise", "continue"])),
        "on_missing": draw(st.sampled_from(["ignore", "warn", "error"])),
        "on_internal_override": "ignore",
    }
    if draw(st.booleans()):
        options["max_iterations"] = draw(st.integers(1, 40))
    if draw(st.booleans()):
        options["select"] = draw(st.lists(st.sampled_from(graph.outputs), unique=True))
    checked = {k: v for k, v in options.items() if k != "max_iterations"}
    try:  # values the run accepts: a refused run never reaches a scheduler
        prepare_run(graph, dict(supplied), None, runner=SyncRunner(), **checked)
    except (ValueError, MissingInputError):
        assume(False)
    return graph, supplied, options


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loop_graphs(), st.booleans())
def test_loop_run_matches_general_scheduler(case: Any, observed: bool) -> None:
    graph, supplied, options = case
    general = SyncRunner() if observed else _general_runner()
    extra = {"event_processors": [_Ignore()]} if observed else {}
    # The same key set with other values, then the first values again: later runs follow the
    # states and transitions earlier ones left behind.
    for shift in (0, 1, 2, 3, 0):
        values = {name: (value + shift) % 5 for name, value in supplied.items()}
        fast = _outcome(lambda v=values: SyncRunner().run(graph, dict(v), **options))
        slow = _outcome(lambda v=values: general.run(graph, dict(v), **options, **extra))
        _same(fast, slow, many=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loop_graphs(), st.lists(st.integers(0, 4), min_size=1, max_size=8))
def test_loop_map_matches_general_scheduler(case: Any, items: list[int]) -> None:
    graph, supplied, options = case
    options.pop("max_iterations", None)  # map items use the runner's default cap
    if "x0" not in supplied:
        return
    values = {**supplied, "x0": items}
    fast = _outcome(lambda: SyncRunner().map(graph, values, map_over="x0", **options))
    slow = _outcome(lambda: _general_runner().map(graph, values, map_over="x0", **options))
    _same(fast, slow, many=True)
