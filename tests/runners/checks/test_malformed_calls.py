"""Malformed run/map calls get a clear TypeError instead of an internal crash."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from hypergraph import AsyncRunner, Graph, SyncRunner, node


@node(output_name="y")
def echo(x: int) -> int:
    return x


GRAPH = Graph([echo])


def call_run(runner_name: str, *args: Any, **kwargs: Any) -> Any:
    if runner_name == "async":
        return asyncio.run(AsyncRunner().run(*args, **kwargs))
    return SyncRunner().run(*args, **kwargs)


def call_map(runner_name: str, *args: Any, **kwargs: Any) -> Any:
    if runner_name == "async":
        return asyncio.run(AsyncRunner().map(*args, **kwargs))
    return SyncRunner().map(*args, **kwargs)


RUNNERS = ["sync", "async"]


@pytest.mark.parametrize("runner_name", RUNNERS)
def test_run_with_a_non_string_input_name_says_names_must_be_strings(runner_name):
    with pytest.raises(TypeError, match=r"Input names must be strings.*got 1 \(int\)"):
        call_run(runner_name, GRAPH, {1: 2})


@pytest.mark.parametrize("runner_name", RUNNERS)
def test_map_with_a_non_string_input_name_says_names_must_be_strings(runner_name):
    with pytest.raises(TypeError, match=r"Input names must be strings.*got 1 \(int\)"):
        call_map(runner_name, GRAPH, {"x": [1], 1: 2}, map_over="x")


@pytest.mark.parametrize("call", [call_run, call_map])
@pytest.mark.parametrize("runner_name", RUNNERS)
def test_run_or_map_of_none_asks_for_a_graph(runner_name: str, call: Callable[..., Any]):
    options = {"map_over": "x", "x": [1]} if call is call_map else {"x": 1}
    with pytest.raises(TypeError, match=r"needs a Graph as its first argument, got NoneType"):
        call(runner_name, None, **options)


def test_well_formed_values_still_run():
    assert SyncRunner().run(GRAPH, {"x": 2})["y"] == 2
