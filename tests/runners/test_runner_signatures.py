"""Public runner signatures, compared parameter by parameter with the documented API
(docs/reference/runners.md).

Users port calls between libraries sharing this API, so names, order, kinds, defaults and the
annotated types all matter.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any, Literal

from hypergraph import AsyncRunner, BaseRunner, Graph, SyncRunner
from hypergraph.cache import CacheBackend
from hypergraph.checkpointers import Checkpoint, Checkpointer
from hypergraph.events import EventProcessor
from hypergraph.runners import ErrorHandling, RunResult

KW = inspect.Parameter.KEYWORD_ONLY
POS = inspect.Parameter.POSITIONAL_OR_KEYWORD
VAR_KW = inspect.Parameter.VAR_KEYWORD
EMPTY = inspect.Parameter.empty

# (name, kind, default) in documented order; select's default is a private sentinel shown as "**",
# compared through its repr.
SYNC_RUN = [
    ("self", POS, EMPTY),
    ("graph", POS, EMPTY),
    ("values", POS, None),
    ("select", KW, "'**'"),
    ("on_missing", KW, "ignore"),
    ("on_internal_override", KW, "warn"),
    ("entrypoint", KW, None),
    ("max_iterations", KW, None),
    ("error_handling", KW, "raise"),
    ("event_processors", KW, None),
    ("workflow_id", KW, None),
    ("checkpoint", KW, None),
    ("fork_from", KW, None),
    ("retry_from", KW, None),
    ("override_workflow", KW, False),
    ("input_values", VAR_KW, EMPTY),
]
SYNC_MAP = [
    ("self", POS, EMPTY),
    ("graph", POS, EMPTY),
    ("values", POS, None),
    ("map_over", KW, EMPTY),
    ("map_mode", KW, "zip"),
    ("clone", KW, False),
    ("select", KW, "'**'"),
    ("on_missing", KW, "ignore"),
    ("on_internal_override", KW, "warn"),
    ("entrypoint", KW, None),
    ("error_handling", KW, "raise"),
    ("event_processors", KW, None),
    ("workflow_id", KW, None),
    ("input_values", VAR_KW, EMPTY),
]


def _with_max_concurrency(params: list[tuple], after: str) -> list[tuple]:
    position = [name for name, _, _ in params].index(after) + 1
    return [*params[:position], ("max_concurrency", KW, None), *params[position:]]


def _shape(func: Any) -> list[tuple]:
    return [
        (p.name, p.kind, repr(p.default) if p.name == "select" else p.default)
        for p in inspect.signature(func).parameters.values()
    ]


def test_sync_runner_run_and_map_match_the_spec_parameter_by_parameter():
    assert _shape(SyncRunner.run) == SYNC_RUN
    assert _shape(SyncRunner.map) == SYNC_MAP


def test_async_runner_adds_max_concurrency_after_max_iterations_and_entrypoint():
    assert _shape(AsyncRunner.run) == _with_max_concurrency(SYNC_RUN, "max_iterations")
    assert _shape(AsyncRunner.map) == _with_max_concurrency(SYNC_MAP, "entrypoint")
    assert _shape(AsyncRunner.arun) == _shape(AsyncRunner.run)
    assert _shape(AsyncRunner.amap) == _shape(AsyncRunner.map)


def test_base_runner_declares_the_abstract_run_and_map_signatures():
    assert BaseRunner.__abstractmethods__ == frozenset({"capabilities", "run", "map"})
    assert _shape(BaseRunner.run) == SYNC_RUN
    assert _shape(BaseRunner.map) == SYNC_MAP


def test_runner_constructors_take_an_optional_cache_backend_then_checkpointer():
    for runner_class in (SyncRunner, AsyncRunner):
        params = list(inspect.signature(runner_class.__init__).parameters.values())
        assert params[1].name == "cache" and params[1].kind is POS and params[1].default is None
        assert params[2].name == "checkpointer" and params[2].kind is POS
        assert params[2].default is None
        hints = typing.get_type_hints(runner_class.__init__)
        assert hints["cache"] == CacheBackend | None
        assert hints["checkpointer"] == Checkpointer | None


def test_runner_annotations_resolve_to_the_public_types():
    for method in (SyncRunner.run, SyncRunner.map, AsyncRunner.run, AsyncRunner.map):
        hints = typing.get_type_hints(method)
        assert hints["graph"] is Graph
        assert hints["values"] == dict[str, Any] | None
        assert hints["select"] == str | list[str]
        assert hints["on_missing"] == Literal["ignore", "warn", "error"]
        assert hints["error_handling"] == ErrorHandling
        assert hints["event_processors"] == list[EventProcessor] | None
        assert hints["workflow_id"] == str | None
    for method in (SyncRunner.run, AsyncRunner.run):
        assert typing.get_type_hints(method)["checkpoint"] == Checkpoint | None
    assert typing.get_type_hints(SyncRunner.run)["return"] is RunResult
    assert typing.get_type_hints(SyncRunner.map)["return"] == list[RunResult]
    assert typing.get_type_hints(AsyncRunner.map)["map_mode"] == Literal["zip", "product"]
    assert typing.get_type_hints(AsyncRunner.run)["max_concurrency"] == int | None
