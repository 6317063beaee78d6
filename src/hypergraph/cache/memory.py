"""The process-local cache backend, unbounded or LRU-bounded."""

from __future__ import annotations

import copy as copy_module
import pickle
import threading
from collections import OrderedDict
from typing import Any

from hypergraph._short_repr import short_repr
from hypergraph.cache.backend import MISS, CacheStats, StatsCounter

__all__ = ["InMemoryCache"]


class _Pickled:
    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        self.blob = blob


class _Copied:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class InMemoryCache:
    """Process-local cache, unbounded or limited to ``max_size`` entries with LRU eviction.

    ``get`` counts as a use and refreshes the entry's recency; ``set`` inserts or refreshes an
    entry and then evicts the least recently used ones beyond ``max_size``. ``max_size=None``
    never evicts, ``0`` keeps nothing and ``1`` keeps only the newest key. All operations hold a
    lock, so threads and an ``AsyncRunner`` can share one instance.

    **Values are copied** (``copy=True``, the default): ``set`` stores a copy (a pickle, or a
    deep copy for values that cannot be pickled) and every hit returns a fresh copy, so a node that mutates a cached list cannot change what later
    hits return, exactly as with :class:`~hypergraph.cache.DiskCache`. A value that cannot be
    deep-copied (a lock, an open file) is stored and returned as it is. ``copy=False`` skips the
    copies for speed: every hit then returns the same object, which must not be mutated.

    ``clear()`` drops every entry; ``stats`` counts hits and misses (:class:`CacheStats`).
    """

    def __init__(self, max_size: int | None = None, *, copy: bool = True) -> None:
        if max_size is not None and (
            isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0
        ):
            raise ValueError(
                f"InMemoryCache(max_size={short_repr(max_size)}) is invalid: max_size must be "
                "None (unbounded) or an int >= 0. Pass e.g. InMemoryCache(max_size=256)."
            )
        self.max_size = max_size
        self.copy = bool(copy)
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._stats = StatsCounter()

    def get(self, key: str) -> tuple[bool, Any]:
        """Return ``(True, value)`` and mark ``key`` most recently used, or ``(False, None)``."""
        with self._lock:
            try:
                value = self._entries[key]
            except KeyError:
                self._stats.count(False)
                return MISS
            self._entries.move_to_end(key)
        self._stats.count(True)
        return True, self._thawed(value)

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` as the most recently used entry, evicting beyond ``max_size``."""
        if self.max_size == 0:
            return
        stored = self._frozen(value)
        with self._lock:
            self._entries[key] = stored
            self._entries.move_to_end(key)
            if self.max_size is not None:
                while len(self._entries) > self.max_size:
                    self._entries.popitem(last=False)

    def clear(self) -> None:
        """Drop every entry and reset :attr:`stats`."""
        with self._lock:
            self._entries.clear()
        self._stats.reset()

    @property
    def stats(self) -> CacheStats:
        """Hits and misses of :meth:`get` since creation or the last :meth:`clear`."""
        return self._stats.snapshot()

    # A stored copy is a pickle when possible (C speed both ways), else a deep copy, else (not
    # copyable at all) the value itself; the tag says which, so a hit copies it the same way.
    def _frozen(self, value: Any) -> Any:
        if not self.copy:
            return value
        try:
            return _Pickled(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:
            pass
        try:
            return _Copied(copy_module.deepcopy(value))
        except Exception:  # not copyable (locks, files, ...): share it, as documented
            return value

    def _thawed(self, stored: Any) -> Any:
        if type(stored) is _Pickled:
            return pickle.loads(stored.blob)
        if type(stored) is _Copied:
            return copy_module.deepcopy(stored.value)
        return stored

    def __len__(self) -> int:
        """Number of entries currently held."""
        with self._lock:
            return len(self._entries)

    def __repr__(self) -> str:
        return f"InMemoryCache(max_size={self.max_size!r}, entries={len(self)})"

    # A lock cannot be pickled; ship the entries and make a fresh lock on the other side.
    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            return {
                "max_size": self.max_size,
                "copy": self.copy,
                "entries": list(self._entries.items()),
            }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.max_size = state["max_size"]
        self.copy = state.get("copy", True)
        self._entries = OrderedDict(state["entries"])
        self._lock = threading.Lock()
        self._stats = StatsCounter()
