"""``local_client``: a client of a fresh Dask ``LocalCluster`` that the test fixtures start.

Every Dask fixture of the suite starts its cluster through it, so each one binds only the
loopback address and closes both the client and the cluster however the tests end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def local_client(config: dict[str, Any] | None = None, **options: Any) -> Iterator[Any]:
    """A ``distributed.Client`` on ``LocalCluster(**options)``, both closed on exit.

    ``config``: Dask settings in force while the cluster starts (its scheduler reads them then).
    """
    import dask
    import distributed

    options.setdefault("dashboard_address", "127.0.0.1:0")
    with dask.config.set(config or {}):
        cluster = distributed.LocalCluster(**options)
    try:
        client = distributed.Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()
