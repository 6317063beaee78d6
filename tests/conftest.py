"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.postgres_server import PostgresServer


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
