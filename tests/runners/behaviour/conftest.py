"""One behaviour suite, every runner: the ``runner`` fixture and the shared graphs.

Each test in this folder takes ``runner`` and runs once per runner: SyncRunner, AsyncRunner
and DaskRunner (on one in-process threads ``LocalCluster`` for the whole session, shut down at
its end). ``runner.run`` / ``runner.map`` have SyncRunner's signatures for all three: the
adapter awaits AsyncRunner's coroutines with ``asyncio.run``. Where a runner cannot do
something, the tests assert its ``IncompatibleRunnerError`` through ``runner.name``.

The graphs come from :mod:`support.behaviour_graphs` (module-level functions, so Dask pickles
them by reference and their call counters are shared with the test).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hypergraph import AsyncRunner, BaseRunner, Graph, RunResult, SyncRunner
from hypergraph.events import EventProcessor
from support import behaviour_graphs
from support.dask_cluster import local_client

RUNNER_NAMES = ["sync", "async", "dask"]


class RunnerUnderTest:
    """A runner called the same way whatever its kind: ``run`` and ``map`` return results."""

    def __init__(self, name: str, make: Callable[[Any], BaseRunner], cache: Any = None) -> None:
        self.name = name
        self._make = make
        self.cache = cache
        self.runner = make(cache)

    def with_cache(self, cache: Any) -> RunnerUnderTest:
        """The same kind of runner, with ``cache`` as its cache backend."""
        return RunnerUnderTest(self.name, self._make, cache)

    def run(self, graph: Graph, values: dict[str, Any] | None = None, **kwargs: Any) -> RunResult:
        result: RunResult = self._settle(self.runner.run(graph, values, **kwargs))
        return result

    def map(
        self, graph: Graph, values: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[RunResult]:
        results: list[RunResult] = self._settle(self.runner.map(graph, values, **kwargs))
        return results

    def _settle(self, outcome: Any) -> Any:
        return asyncio.run(outcome) if self.name == "async" else outcome

    def __repr__(self) -> str:
        return f"RunnerUnderTest({self.name})"


@pytest.fixture(scope="session")
def behaviour_dask_client() -> Iterator[Any]:
    """One in-process (threads) Dask cluster for the whole session, on loopback only."""
    pytest.importorskip("distributed")
    with local_client(n_workers=1, threads_per_worker=2, processes=False) as client:
        yield client


@pytest.fixture(params=RUNNER_NAMES)
def runner(request: pytest.FixtureRequest) -> RunnerUnderTest:
    """SyncRunner, AsyncRunner or DaskRunner behind the same ``run``/``map`` calls."""
    if request.param == "sync":
        return RunnerUnderTest("sync", lambda cache: SyncRunner(cache=cache))
    if request.param == "async":
        return RunnerUnderTest("async", lambda cache: AsyncRunner(cache=cache))
    from hypergraph import DaskRunner

    client = request.getfixturevalue("behaviour_dask_client")
    # Small chunks, so a map of a few items is split over several tasks.
    return RunnerUnderTest(
        "dask", lambda cache: DaskRunner(client=client, cache=cache, chunk_size=2)
    )


@pytest.fixture(autouse=True)
def calls() -> Iterator[Counter[str]]:
    """How often each shared node's function body ran during this test."""
    behaviour_graphs.reset()
    yield behaviour_graphs.CALLS
    behaviour_graphs.reset()


class Recorder(EventProcessor):
    """Keeps every event it receives, in order."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_event(self, event: Any) -> None:
        self.events.append(event)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def diamond() -> Graph:
    return behaviour_graphs.diamond()


@pytest.fixture
def parity_branch() -> Graph:
    return behaviour_graphs.parity_branch()


@pytest.fixture
def sign_route() -> Graph:
    return behaviour_graphs.sign_route()


@pytest.fixture
def counting_loop() -> Graph:
    return behaviour_graphs.counting_loop()


@pytest.fixture
def endless_loop() -> Graph:
    return behaviour_graphs.endless_loop()


@pytest.fixture
def fragile_pipeline() -> Graph:
    return behaviour_graphs.fragile_pipeline()


@pytest.fixture
def cached_graph() -> Graph:
    return behaviour_graphs.cached_graph()
