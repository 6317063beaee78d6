"""Gates on every runner: ifelse and route run only the chosen branch; END stops the path."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("x", "out", "ran"), [(4, 2, "halve"), (5, 15, "triple")])
def test_ifelse_runs_only_the_chosen_branch(runner, parity_branch, calls, x, out, ran):
    assert runner.run(parity_branch, x=x)["out"] == out
    assert calls == {ran: 1}


@pytest.mark.parametrize(("x", "out", "ran"), [(8, 4, "halve"), (-2, -6, "triple")])
def test_route_runs_only_the_target_it_returns(runner, sign_route, calls, x, out, ran):
    assert runner.run(sign_route, x=x)["out"] == out
    assert calls == {ran: 1}


def test_route_to_end_runs_no_target_and_completes(runner, sign_route, calls):
    result = runner.run(sign_route, x=0)
    assert result.completed
    assert "out" not in result
    assert sum(calls.values()) == 0


def test_multi_target_route_runs_every_target_it_returns(runner, calls):
    from hypergraph import Graph, route
    from support.behaviour_graphs import double, square

    @route(targets=["double", "square"], multi_target=True)
    def both(x: int) -> list[str]:
        return ["double", "square"] if x > 0 else ["square"]

    graph = Graph([both, double, square])
    assert runner.run(graph, x=3).values == {"doubled": 6, "squared": 9}
    assert runner.run(graph, x=-3).values == {"squared": 9}
    assert calls == {"double": 1, "square": 2}


def test_branches_are_chosen_per_item_in_a_map(runner, parity_branch, calls):
    results = runner.map(parity_branch, x=[1, 2, 3, 4], map_over="x")
    assert [r["out"] for r in results] == [3, 1, 9, 2]
    assert calls == {"halve": 2, "triple": 2}
