"""Plain DAGs on every runner: values flow by name, each node runs once, inputs are checked."""

from __future__ import annotations

import pytest

from hypergraph import MissingInputError, RunStatus


def test_dag_computes_every_output_from_the_inputs(runner, diamond, calls):
    result = runner.run(diamond, {"x": 3})
    assert result.status == RunStatus.COMPLETED
    assert result.values == {"doubled": 6, "total": 7, "squared": 9, "result": 16}
    assert calls == {"double": 1, "add": 1, "square": 1, "combine": 1}


def test_keyword_inputs_merge_with_the_values_dict(runner, diamond):
    assert runner.run(diamond, {"x": 3}, offset=10)["result"] == 25


def test_select_returns_only_the_chosen_outputs(runner, diamond):
    assert runner.run(diamond, {"x": 2}, select="result").values == {"result": 9}


def test_supplying_intermediate_values_skips_their_producers(runner, diamond, calls):
    result = runner.run(diamond, doubled=100, squared=1, on_internal_override="ignore")
    assert result.values == {"doubled": 100, "squared": 1, "total": 101, "result": 102}
    assert calls == {"add": 1, "combine": 1}


def test_missing_input_raises_before_any_node_runs(runner, diamond, calls):
    with pytest.raises(MissingInputError, match="'x'"):
        runner.run(diamond, {})
    assert sum(calls.values()) == 0
