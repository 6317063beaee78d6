"""What every cache backend shares: the protocol, the cache key and hit/miss statistics."""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = ["CacheBackend", "CacheStats", "StatsCounter", "compute_cache_key", "logger", "MISS"]

logger = logging.getLogger("hypergraph.cache")

MISS: tuple[bool, Any] = (False, None)


@runtime_checkable
class CacheBackend(Protocol):
    """Storage for node results, addressed by the string keys of :func:`compute_cache_key`.

    ``get`` returns ``(True, value)`` on a hit and ``(False, None)`` on a miss, so a cached
    ``None`` is distinguishable from an absent entry. ``set`` stores ``value`` under ``key``.
    Implementations should treat their own failures as misses rather than raise.

    These two methods are all a runner needs, so any object with them is a backend. The bundled
    backends also offer ``clear()`` (drop every entry) and ``stats`` (a :class:`CacheStats`).
    """

    def get(self, key: str) -> tuple[bool, Any]:
        """Return ``(hit, value)`` for ``key``; a miss is ``(False, None)``."""
        ...

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``, replacing any previous value."""
        ...


@dataclass(frozen=True)
class CacheStats:
    """Lookups a cache answered since it was made (or last cleared), in this process.

    Attributes:
        hits: Lookups that returned a stored value.
        misses: Lookups that found nothing usable (absent, damaged or rejected entries).
    """

    hits: int = 0
    misses: int = 0

    @property
    def lookups(self) -> int:
        """``hits + misses``."""
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float:
        """``hits / lookups``, or ``0.0`` before the first lookup."""
        return self.hits / self.lookups if self.lookups else 0.0


class StatsCounter:
    """Thread-safe hit and miss counts behind a backend's ``stats`` property."""

    __slots__ = ("_hits", "_misses", "_lock")

    def __init__(self) -> None:
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    def count(self, hit: bool) -> None:
        """Record one lookup."""
        with self._lock:
            if hit:
                self._hits += 1
            else:
                self._misses += 1

    def snapshot(self) -> CacheStats:
        """The counts so far."""
        with self._lock:
            return CacheStats(self._hits, self._misses)

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self._hits = self._misses = 0


def compute_cache_key(definition_hash: str, inputs: dict[str, Any]) -> str:
    """Return the cache key of one node call: SHA-256 hex of its definition and inputs.

    The digest covers ``definition_hash.encode()`` followed by ``pickle.dumps`` of the inputs
    sorted by name, so the key does not depend on argument order, exists for a node without
    inputs, and changes whenever the definition hash or any input changes. Runners pass the
    node's code fingerprint (its function and the helper functions it calls, see
    ``hypergraph._hashing.code_fingerprint``) as ``definition_hash``.

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
