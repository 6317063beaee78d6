"""Cache backends for node results, and the key that addresses them.

A runner built with ``cache=<backend>`` looks up every node declared with ``cache=True`` before
calling it. The key (:func:`compute_cache_key`) combines the node's definition hash with its
resolved inputs, so the same function with the same inputs hits across runs, graphs and (with
:class:`DiskCache`) processes, while editing the function's source or changing an input misses.

Two backends ship with the package:

- :class:`InMemoryCache` keeps values in this process, optionally bounded with LRU eviction.
- :class:`DiskCache` stores pickled values in a directory through the optional ``diskcache``
  package (``pip install 'hypergraph[cache]'``), shared by every process that opens it.

Any object with matching ``get``/``set`` methods satisfies :class:`CacheBackend`.

A cache must never change what a run computes, so every backend failure degrades to a miss: a
value that cannot be pickled is not stored, and a corrupt or unreadable entry is reported as
absent (never raised, never returned as a wrong value). Each case is logged on the
``hypergraph.cache`` logger.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import threading
from collections import OrderedDict
from typing import Any, Protocol, runtime_checkable

from hypergraph._short_repr import short_repr

__all__ = ["CacheBackend", "InMemoryCache", "DiskCache", "compute_cache_key"]

logger = logging.getLogger("hypergraph.cache")

_MISS: tuple[bool, Any] = (False, None)


@runtime_checkable
class CacheBackend(Protocol):
    """Storage for node results, addressed by the string keys of :func:`compute_cache_key`.

    ``get`` returns ``(True, value)`` on a hit and ``(False, None)`` on a miss, so a cached
    ``None`` is distinguishable from an absent entry. ``set`` stores ``value`` under ``key``.
    Implementations should treat their own failures as misses rather than raise.
    """

    def get(self, key: str) -> tuple[bool, Any]:
        """Return ``(hit, value)`` for ``key``; a miss is ``(False, None)``."""
        ...

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``, replacing any previous value."""
        ...


def compute_cache_key(definition_hash: str, inputs: dict[str, Any]) -> str:
    """Return the cache key of one node call: SHA-256 hex of its definition and inputs.

    The digest covers ``definition_hash.encode()`` followed by ``pickle.dumps`` of the inputs
    sorted by name, so the key does not depend on argument order, exists for a node without
    inputs, and changes whenever the node's source (its definition hash) or any input changes.

    If an input cannot be pickled (a lambda, an open file, a lock...) the call cannot be keyed:
    the function returns ``""`` and logs a warning naming the input, and the caller runs the
    node uncached.
    """
    try:
        pickled_inputs = pickle.dumps(sorted(inputs.items()))
    except Exception as exc:  # pickling can fail with many types (PicklingError, TypeError, ...)
        offending = _unpicklable_names(inputs)
        logger.warning(
            "Result caching skipped for this call: input %s cannot be pickled (%s: %s). "
            "Pass picklable values (no lambdas, open files or locks) to cache this node.",
            ", ".join(repr(name) for name in offending) or "<unknown>",
            type(exc).__name__,
            exc,
        )
        return ""
    return hashlib.sha256(definition_hash.encode() + pickled_inputs).hexdigest()


def _unpicklable_names(inputs: dict[str, Any]) -> list[str]:
    """Names of the inputs whose values cannot be pickled on their own (for the warning)."""
    names = []
    for name, value in inputs.items():
        try:
            pickle.dumps(value)
        except Exception:
            names.append(name)
    return names


class InMemoryCache:
    """Process-local cache, unbounded or limited to ``max_size`` entries with LRU eviction.

    ``get`` counts as a use and refreshes the entry's recency; ``set`` inserts or refreshes an
    entry and then evicts the least recently used ones beyond ``max_size``. ``max_size=None``
    never evicts, ``0`` keeps nothing and ``1`` keeps only the newest key. Values are stored by
    reference (not copied). All operations hold a lock, so threads and an ``AsyncRunner`` can
    share one instance.
    """

    def __init__(self, max_size: int | None = None) -> None:
        if max_size is not None and (
            isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0
        ):
            raise ValueError(
                f"InMemoryCache(max_size={short_repr(max_size)}) is invalid: max_size must be None "
                "(unbounded) or an int >= 0. Pass e.g. InMemoryCache(max_size=256)."
            )
        self.max_size = max_size
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, Any]:
        """Return ``(True, value)`` and mark ``key`` most recently used, or ``(False, None)``."""
        with self._lock:
            try:
                value = self._entries[key]
            except KeyError:
                return _MISS
            self._entries.move_to_end(key)
            return True, value

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` as the most recently used entry, evicting beyond ``max_size``."""
        if self.max_size == 0:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            if self.max_size is not None:
                while len(self._entries) > self.max_size:
                    self._entries.popitem(last=False)

    def __len__(self) -> int:
        """Number of entries currently held."""
        with self._lock:
            return len(self._entries)

    def __repr__(self) -> str:
        return f"InMemoryCache(max_size={self.max_size!r}, entries={len(self)})"

    # A lock cannot be pickled; ship the entries and make a fresh lock on the other side.
    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            return {"max_size": self.max_size, "entries": list(self._entries.items())}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.max_size = state["max_size"]
        self._entries = OrderedDict(state["entries"])
        self._lock = threading.Lock()


# Stored DiskCache values are MAGIC + digest(payload) + payload. Checking the digest on read turns
# a damaged file or row into a miss instead of a wrong value or an unpickling crash.
_MAGIC = b"hgc1"
_DIGEST_SIZE = 16


def _digest(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_DIGEST_SIZE).digest()


def _encode(value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _MAGIC + _digest(payload) + payload


def _decode(blob: Any) -> tuple[bool, Any]:
    """Unpack a stored blob; ``(False, None)`` if it is damaged or not one of ours."""
    header = len(_MAGIC) + _DIGEST_SIZE
    if not isinstance(blob, bytes) or len(blob) < header or not blob.startswith(_MAGIC):
        return _MISS
    digest, payload = blob[len(_MAGIC) : header], blob[header:]
    if _digest(payload) != digest:
        return _MISS
    return True, pickle.loads(payload)


class DiskCache:
    """Persistent cache in a directory, shared by runners, processes and sessions.

    Wraps ``diskcache.Cache(os.path.expanduser(cache_dir), **kwargs)``; ``kwargs`` go to
    ``diskcache`` unchanged (e.g. ``size_limit``, ``disk_min_file_size``). Requires the optional
    ``diskcache`` package: ``pip install 'hypergraph[cache]'``.

    Values are pickled with a checksum. A value that cannot be pickled is not stored (a warning
    is logged); an entry that is corrupt or cannot be read (damaged file, database error) is a
    miss, logged as a warning. Several processes may use the same directory at once. A
    ``DiskCache`` pickles as its directory and options and reopens the directory when
    unpickled, so runners holding one can be shipped to worker processes.
    """

    def __init__(self, cache_dir: str = "~/.cache/hypergraph", **kwargs: Any) -> None:
        try:
            import diskcache  # optional extra: imported only when a DiskCache is made
        except ImportError as exc:
            raise ImportError(
                "DiskCache needs the optional 'diskcache' package, which is not installed. "
                "Install it with: pip install 'hypergraph[cache]' (or use InMemoryCache)."
            ) from exc
        self.cache_dir = cache_dir
        # Absolute, so a copy unpickled in a worker with another working dir opens the same place.
        self.directory = os.path.abspath(os.path.expanduser(cache_dir))
        self._kwargs = dict(kwargs)
        self._store = diskcache.Cache(self.directory, **kwargs)

    def get(self, key: str) -> tuple[bool, Any]:
        """Return ``(True, value)`` for a stored key; missing, corrupt or unreadable → miss."""
        try:
            blob = self._store.get(key, default=None)
        except Exception as exc:  # sqlite errors, timeouts, I/O errors: never fail the run
            self._warn_unreadable(key, exc)
            return _MISS
        if blob is None:
            return _MISS
        try:
            hit = _decode(blob)
        except Exception as exc:  # checksum matched but the pickle cannot be loaded here
            self._warn_unreadable(key, exc)
            return _MISS
        if not hit[0]:
            logger.warning(
                "Cache entry %r in %s is corrupt (checksum mismatch); treating it as a miss. "
                "It is overwritten when the node runs again.",
                key,
                self.directory,
            )
        return hit

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``; unpicklable values and write errors are skipped."""
        try:
            blob = _encode(value)
        except Exception as exc:  # pickling can fail with many types (PicklingError, TypeError)
            logger.warning(
                "Not caching entry %r: its value of type %s cannot be pickled (%s: %s). "
                "Return picklable values from cached nodes, or use InMemoryCache.",
                key,
                type(value).__name__,
                type(exc).__name__,
                exc,
            )
            return
        try:
            self._store.set(key, blob)
        except Exception as exc:  # a full disk or locked database must not fail the run
            logger.warning(
                "Could not write cache entry %r to %s (%s: %s); the result is not cached.",
                key,
                self.directory,
                type(exc).__name__,
                exc,
            )

    def close(self) -> None:
        """Close the underlying database connections (they reopen on next use)."""
        self._store.close()

    def _warn_unreadable(self, key: str, exc: BaseException) -> None:
        logger.warning(
            "Could not read cache entry %r from %s (%s: %s); treating it as a miss.",
            key,
            self.directory,
            type(exc).__name__,
            exc,
        )

    def __repr__(self) -> str:
        return f"DiskCache(cache_dir={self.directory!r})"

    # Database connections cannot cross processes: ship the location and reopen it.
    def __getstate__(self) -> dict[str, Any]:
        return {"cache_dir": self.directory, "kwargs": self._kwargs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["cache_dir"], **state["kwargs"])  # type: ignore[misc]
