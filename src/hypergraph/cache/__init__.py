"""Cache backends for node results, and the key that addresses them.

A runner built with ``cache=<backend>`` looks up every node declared with ``cache=True`` before
calling it. The key (:func:`compute_cache_key`) combines the node's code fingerprint (its
function and the helper functions it calls) with its resolved inputs, so the same function with
the same inputs hits across runs, graphs and (with :class:`DiskCache`) processes, while editing
the function or a helper it calls, or changing an input, misses.

Two backends ship with the package:

- :class:`InMemoryCache` (``memory.py``) keeps copies of values in this process, optionally
  bounded with LRU eviction.
- :class:`DiskCache` (``disk.py``) stores signed pickles in a private directory through the
  optional ``diskcache`` package (``pip install 'hypergraph[cache]'``), shared by every process
  that opens it.

Any object with matching ``get``/``set`` methods satisfies :class:`CacheBackend`; the bundled
backends add ``clear()`` and ``stats`` (:class:`CacheStats`).

A cache must never change what a run computes, so every backend failure degrades to a miss: a
value that cannot be pickled is not stored, and a corrupt, forged or unreadable entry is
reported as absent (never raised, never returned as a wrong value). Each case is logged on the
``hypergraph.cache`` logger.
"""

from __future__ import annotations

from hypergraph.cache.backend import CacheBackend, CacheStats, compute_cache_key
from hypergraph.cache.disk import DiskCache
from hypergraph.cache.memory import InMemoryCache

__all__ = ["CacheBackend", "CacheStats", "InMemoryCache", "DiskCache", "compute_cache_key"]
