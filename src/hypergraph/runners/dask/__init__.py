"""Distributed execution on Dask (extra: ``pip install 'hypergraph[dask]'``).

``DaskRunner`` runs the same ``run``/``map`` calls as :class:`~hypergraph.SyncRunner` on a Dask
cluster. The rooms: ``runner.py`` (client-side checks, cluster start and stop), ``shipping.py``
(pickling checks, chunk planning, sending the graph once), ``stream.py`` (bounded, in-order
collection of chunk results and events, retries after lost workers), ``worker.py`` (what runs
inside a Dask task: chunks executed by the public local runners), ``codec.py`` (the bytes that
travel between client and tasks) and ``main_guard.py`` (refusing to start worker processes from
unguarded script code). Importing this package does not import Dask.
"""

from hypergraph.runners.dask.runner import DaskRunner

__all__ = ["DaskRunner"]
