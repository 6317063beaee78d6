"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

from support.dask_cluster import local_client
from support.postgres_server import PostgresServer

# Hypothesis's per-example deadline is a wall-clock bound: on a busy machine it fails correct
# tests (a 0.5 ms example once took 318 ms). Speed is measured in benchmarks/, not in tests.
settings.register_profile("hypergraph", deadline=None)
settings.load_profile("hypergraph")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster on a free loopback port, started on first use per session.

    It never skips: without the server programs the tests that use it fail with the command
    that installs them (``apt-get install -y postgresql``).
    """
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database on the session's server, dropped after the test."""
    import psycopg

    name = f"hg_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_server.dsn.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(postgres_server.dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A ``distributed.Client`` on a LocalCluster of two worker processes, one thread each,
    started on first use and shared by every Dask test of the session that asks for it.

    Some tests kill a worker process (``os._exit`` in a node): its nanny starts a new one and
    Dask re-runs the lost tasks, so the cluster stays usable for the tests after them. Tests
    leave nothing on it (each map's job is its own) and never close this client.
    """
    pytest.importorskip("distributed")
    with local_client(n_workers=2, threads_per_worker=1, processes=True) as client:
        yield client


@pytest.fixture(scope="session", autouse=True)
def _private_config_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the DiskCache secret file (``$XDG_CONFIG_HOME/hypergraph/secret``) out of ``~``.

    Set for the whole session before any fixture starts worker processes, which inherit it.
    """
    previous = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config-home"))
    yield
    if previous is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = previous
