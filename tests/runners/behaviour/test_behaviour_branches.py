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
