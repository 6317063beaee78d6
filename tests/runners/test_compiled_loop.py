"""Which runs take the loop fast path (runners/loop/compiled_loop.py), and the cases random
graphs rarely hit: comparisons that raise, NaN, warnings, the state limit, threads."""

from __future__ import annotations

import math
import threading
import warnings
from typing import Any

import pytest

from hypergraph import END, Graph, InfiniteLoopError, SyncRunner, node, route
from hypergraph.engine import automaton
from hypergraph.engine.plan import get_plan
from hypergraph.events import EventProcessor
from hypergraph.runners.loop.compiled_loop import LoopRun


def _general_runner() -> SyncRunner:
    runner = SyncRunner()
    runner._inline_calls = False  # type: ignore[misc]
    return runner


def _counter_loop(turns: int) -> Graph:
    @node(output_name="count")
    def step(count: int) -> int:
        return count + 1

    @route(targets=["step", END])
    def keep_going(count: int) -> Any:
        return END if count >= turns else "step"

    return Graph([step, keep_going], name="counter")


def _loop_runs(graph: Graph) -> list[LoopRun]:
    return [found for found in get_plan(graph).compiled.values() if isinstance(found, LoopRun)]


def test_unobserved_route_loop_takes_the_loop_path() -> None:
    graph = _counter_loop(50)
    assert SyncRunner().run(graph, count=0)["count"] == 50
    assert len(_loop_runs(graph)) == 1


@pytest.mark.parametrize("observer", ["events", "general runner"])
def test_observed_or_general_runs_never_build_a_loop_run(observer: str) -> None:
    graph = _counter_loop(5)

    class Quiet(EventProcessor):
        def on_event(self, event: Any) -> None:
            pass

    if observer == "events":
        result = SyncRunner().run(graph, count=0, event_processors=[Quiet()])
    else:
        result = _general_runner().run(graph, count=0)
    assert result["count"] == 5
    assert _loop_runs(graph) == []


def test_loop_remembers_a_few_states_however_many_turns() -> None:
    graph = _counter_loop(2_000)
    assert SyncRunner().run(graph, count=0, max_iterations=5_000)["count"] == 2_000
    (loop,) = _loop_runs(graph)
    assert len(loop.automaton._states) <= 6


def test_cap_ends_the_loop_with_the_general_paths_error() -> None:
    graph = _counter_loop(100)
    with pytest.raises(InfiniteLoopError) as fast:
        SyncRunner().run(graph, count=0, max_iterations=7)
    with pytest.raises(InfiniteLoopError) as general:
        _general_runner().run(graph, count=0, max_iterations=7)
    assert str(fast.value) == str(general.value)
    assert fast.value.max_iterations == 7
    failed = SyncRunner().run(graph, count=0, max_iterations=7, error_handling="continue")
    assert failed.status == "failed" and isinstance(failed.error, InfiniteLoopError)
    assert failed["count"] == 3  # the gate runs first: step ran in supersteps 2, 4 and 6


class _Stubborn:
    """Compares by raising: a write of a new one counts as a change (identity decides)."""

    def __init__(self, turn: int) -> None:
        self.turn = turn

    def __ne__(self, other: object) -> bool:
        raise TypeError("no comparison")

    __eq__ = __ne__  # type: ignore[assignment]
    __hash__ = object.__hash__


def _turns_with(make: Any) -> tuple[list[int], list[int]]:
    """Calls of a loop whose body writes ``make(turn)`` next to a counter, fast and general."""
    seen: list[int] = []

    @node(output_name=("count", "payload"))
    def body(count: int) -> tuple[int, Any]:
        seen.append(count)
        return count + 1, make(count)

    @node(output_name="echo")
    def read(payload: Any) -> int:
        seen.append(-1)
        return 0

    @route(targets=["body", END])
    def again(count: int) -> Any:
        return END if count >= 3 else "body"

    graph = Graph([body, read, again])
    SyncRunner().run(graph, count=0)
    fast, seen[:] = list(seen), []
    _general_runner().run(graph, count=0)
    return fast, seen


def test_value_whose_comparison_raises_is_a_change_like_on_the_general_path() -> None:
    fast, general = _turns_with(_Stubborn)
    assert fast == general
    assert fast.count(-1) == 3  # the reader runs after every turn: each value is new


def test_nan_written_again_is_unchanged_only_when_it_is_the_same_object() -> None:
    same = math.nan
    fast, general = _turns_with(lambda turn: same)
    assert fast == general and fast.count(-1) == 1
    fast, general = _turns_with(lambda turn: float("nan"))
    assert fast == general and fast.count(-1) == 3


def test_gate_warning_points_at_the_callers_line_like_the_general_path() -> None:
    @node(output_name="count")
    def step(count: int) -> int:
        return count + 1

    @route(targets=["step", END])
    def keep_going(count: int) -> Any:
        return "END" if count >= 2 else "step"  # the string, not the sentinel: warns, then fails

    graph = Graph([step, keep_going])
    places = []
    for runner in (SyncRunner(), _general_runner()):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(ValueError):
                runner.run(graph, count=0)
        places.append([(w.filename, w.lineno, str(w.message)) for w in caught])
    assert places[0] == places[1]
    assert places[0] and places[0][0][0] == __file__


def test_past_the_state_limit_results_stay_right_and_later_runs_go_general(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(automaton, "STATE_LIMIT", 2)
    graph = _counter_loop(30)
    assert SyncRunner().run(graph, count=0)["count"] == 30
    (loop,) = _loop_runs(graph)
    assert loop.automaton.overflowed
    assert SyncRunner().run(graph, count=5)["count"] == 30  # the general path now


def test_one_loop_run_shared_by_threads() -> None:
    graph = _counter_loop(300)
    results: list[Any] = []

    def worker(start: int) -> None:
        for _ in range(20):
            results.append(SyncRunner().run(graph, count=start)["count"])

    threads = [threading.Thread(target=worker, args=(k * 10,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [300] * 80
    assert len(_loop_runs(graph)) == 1


def test_graphs_past_the_node_limit_and_plain_dags_take_other_paths() -> None:
    from hypergraph.runners.loop.compiled_loop import NODE_LIMIT

    names = [f"v{i}" for i in range(NODE_LIMIT + 1)]
    namespace: dict[str, Any] = {}
    exec(
        "".join(f"def n{i}({names[i]}):\n    return {names[i]} + 1\n" for i in range(NODE_LIMIT)),
        namespace,
    )
    chain = [node(output_name=names[i + 1])(namespace[f"n{i}"]) for i in range(NODE_LIMIT)]

    @route(targets=[chain[0].name, END])
    def start(v0: int) -> Any:
        return chain[0].name

    big = Graph([*chain, start])
    assert SyncRunner().run(big, v0=0)[names[-1]] == NODE_LIMIT
    assert _loop_runs(big) == []
    plain_dag = Graph(chain[:3])
    assert SyncRunner().run(plain_dag, v1=7, on_internal_override="ignore")["v3"] == 9
    assert _loop_runs(plain_dag) == []
