"""The backend fixture every checkpointer test runs against.

A new backend joins the whole suite by adding its name to ``BACKENDS`` (and to
``SHARED_BACKENDS`` when two checkpointer objects can open one store, like a file or a server)
and a branch in :func:`open_checkpointer`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hypergraph.checkpointers import Checkpointer, MemoryCheckpointer, SqliteCheckpointer

BACKENDS = ["memory", "sqlite"]
SHARED_BACKENDS = ["sqlite"]  # two objects (or processes) can open the same store


def open_checkpointer(backend: str, location: Path, **options: Any) -> Checkpointer:
    """A checkpointer of ``backend`` on the store at ``location`` (ignored in memory)."""
    if backend == "memory":
        return MemoryCheckpointer(**options)
    if backend == "sqlite":
        return SqliteCheckpointer(location / "runs.db", **options)
    raise ValueError(f"unknown backend {backend!r}")


MakeCheckpointer = Callable[..., Checkpointer]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_checkpointer(backend: str, tmp_path: Path) -> Iterator[MakeCheckpointer]:
    """``make(**options)``: a checkpointer of the current backend (file backends share a store)."""
    made: list[Checkpointer] = []

    def make(**options: Any) -> Checkpointer:
        cp = open_checkpointer(backend, tmp_path, **options)
        made.append(cp)
        return cp

    yield make
    for cp in made:
        cp.close()


@pytest.fixture
def checkpointer(make_checkpointer: MakeCheckpointer) -> Checkpointer:
    """A checkpointer of the current backend that writes each superstep before the next."""
    return make_checkpointer(durability="sync")


@pytest.fixture(params=SHARED_BACKENDS)
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeCheckpointer]:
    """``make(**options)`` for backends whose store several objects or processes can open."""
    made: list[Checkpointer] = []

    def make(**options: Any) -> Checkpointer:
        cp = open_checkpointer(str(request.param), tmp_path, **options)
        made.append(cp)
        return cp

    make.backend = request.param  # type: ignore[attr-defined]
    make.location = tmp_path  # type: ignore[attr-defined]
    yield make
    for cp in made:
        cp.close()
