"""The backend fixture every checkpointer test runs against.

A new backend joins the whole suite by adding its name to ``BACKENDS`` (and to
``SHARED_BACKENDS`` when two checkpointer objects can open one store, like a file or a server),
a branch in :func:`open_checkpointer` and, when its store is not a folder, a branch in
:func:`store_location`. PostgreSQL runs against a real throwaway server (see
``tests/support/postgres_server.py``), a fresh database per test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hypergraph.checkpointers import (
    Checkpointer,
    MemoryCheckpointer,
    PostgresCheckpointer,
    SqliteCheckpointer,
)

BACKENDS = ["memory", "sqlite", "postgres"]
SHARED_BACKENDS = ["sqlite", "postgres"]  # two objects (or processes) can open the same store


def open_checkpointer(backend: str, location: Path | str, **options: Any) -> Checkpointer:
    """A checkpointer of ``backend`` on the store at ``location`` (ignored in memory).

    ``location`` is a folder for SQLite (the file ``runs.db`` in it) and a connection URL for
    PostgreSQL.
    """
    if backend == "memory":
        return MemoryCheckpointer(**options)
    if backend == "sqlite":
        return SqliteCheckpointer(Path(location) / "runs.db", **options)
    if backend == "postgres":
        return PostgresCheckpointer(str(location), **options)
    raise ValueError(f"unknown backend {backend!r}")


def store_location(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Where a test's store lives: its tmp folder, or a fresh PostgreSQL database."""
    if backend == "postgres":
        return str(request.getfixturevalue("postgres_database"))
    return tmp_path


MakeCheckpointer = Callable[..., Checkpointer]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_checkpointer(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[MakeCheckpointer]:
    """``make(**options)``: a checkpointer of the current backend (file backends share a store)."""
    made: list[Checkpointer] = []
    location = store_location(backend, tmp_path, request)

    def make(**options: Any) -> Checkpointer:
        cp = open_checkpointer(backend, location, **options)
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
    location = store_location(str(request.param), tmp_path, request)

    def make(**options: Any) -> Checkpointer:
        cp = open_checkpointer(str(request.param), location, **options)
        made.append(cp)
        return cp

    make.backend = request.param  # type: ignore[attr-defined]
    make.location = location  # type: ignore[attr-defined]
    yield make
    for cp in made:
        cp.close()
