"""The persistent cache backend: signed pickles in a private directory, through ``diskcache``.

**Trust model.** Unpickling runs code, so an entry is only unpickled when its HMAC-SHA256
signature (``hypergraph._signing``) verifies with the owner's secret, bound to the entry's key.
Whoever can write the directory but does not know the secret can delete or damage entries (they
become misses, recomputed and overwritten), never choose a result or run code. The secret is
``DiskCache(secret=...)`` or the per-user file ``~/.config/hypergraph/secret`` (mode ``0o600``,
created on first use). The directory is created ``0o700`` and value files ``0o600``; anyone who
can *read* them can still read cached results, so keep the directory private.

**Damage.** A ``cache.db`` that is not a database any more (truncated, zero-filled, garbled) is
moved aside as ``cache.db.damaged-<time>`` with a warning naming it, and the cache starts empty;
this happens when the cache is opened or when a lookup first meets the damage. A directory that
cannot be used at all (not writable, a file in the way) raises one ``OSError`` at construction
that names the directory and the fix. Everything else a backend can hit during a run is a miss,
logged on the ``hypergraph.cache`` logger: a run never fails because of its cache.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from hypergraph._short_repr import short_text
from hypergraph._signing import BadSignature, Signer, load_or_create_secret
from hypergraph.cache.backend import MISS, CacheStats, StatsCounter, logger

__all__ = ["DiskCache"]

_DB_FILES = ("cache.db", "cache.db-wal", "cache.db-shm")
_MAX_RECOVERIES = 3


class DiskCache:
    """Persistent cache in a directory, shared by runners, processes and sessions.

    Wraps ``diskcache.Cache(os.path.expanduser(cache_dir), **kwargs)``; ``kwargs`` go to
    ``diskcache`` unchanged (e.g. ``size_limit``, ``disk_min_file_size``). Requires the optional
    ``diskcache`` package: ``pip install 'hypergraph[cache]'``.

    Values are pickled and signed with a keyed HMAC: an entry that is damaged, unsigned or
    signed with another secret is rejected (a logged miss) and deleted, so the next run
    overwrites it. ``secret`` (bytes or str, 16+ bytes) is the signing key; without it the
    per-user secret file ``~/.config/hypergraph/secret`` is used (created on first use). Every
    process sharing a directory must use the same secret to share entries.

    A value that cannot be pickled is not stored (a warning is logged). A damaged database is
    moved aside with a warning and replaced by an empty one; an unusable directory raises an
    ``OSError`` naming it. Several processes may use the same directory at once. A
    ``DiskCache`` pickles as its directory and options (and ``secret``, if one was passed) and
    reopens the directory when unpickled, so runners holding one can be shipped to workers.

    ``clear()`` deletes every entry; ``stats`` counts this instance's hits and misses.
    """

    def __init__(
        self,
        cache_dir: str = "~/.cache/hypergraph",
        *,
        secret: bytes | str | None = None,
        **kwargs: Any,
    ) -> None:
        try:
            # The optional extra: imported only when a DiskCache is made.
            import diskcache  # type: ignore[import-untyped,unused-ignore]
        except ImportError as exc:
            raise ImportError(
                "DiskCache needs the optional 'diskcache' package, which is not installed. "
                "Install it with: pip install 'hypergraph[cache]' (or use InMemoryCache)."
            ) from exc
        self.cache_dir = cache_dir
        # Absolute, so a copy unpickled in a worker with another working dir opens the same place.
        self.directory = os.path.abspath(os.path.expanduser(cache_dir))
        self._kwargs = dict(kwargs)
        self._secret = secret
        self._signer = Signer(
            secret if secret is not None else load_or_create_secret(), purpose="hypergraph.cache"
        )
        self._stats = StatsCounter()
        self._lock = threading.Lock()
        self._recoveries = 0
        self._diskcache = diskcache
        self._make_directory()
        self._store = self._open()

    # ------------------------------------------------------------------ backend protocol
    def get(self, key: str) -> tuple[bool, Any]:
        """Return ``(True, value)`` for a valid entry; absent, damaged or forged → a miss."""
        hit = self._lookup(key)
        self._stats.count(hit[0])
        return hit

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``; unpicklable values and write errors are skipped."""
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # pickling can fail with many types (PicklingError, TypeError)
            logger.warning(
                "Not caching entry %r: its value of type %s cannot be pickled (%s). "
                "Return picklable values from cached nodes, or use InMemoryCache.",
                key,
                type(value).__name__,
                _problem(exc),
            )
            return
        blob = self._signer.sign(payload, bind=key.encode())
        try:
            self._store.set(key, blob)
        except Exception as exc:  # a full disk or locked database must not fail the run
            if self._recover(exc):
                self.set(key, value)
                return
            logger.warning(
                "Could not write cache entry %r to %s (%s); the result is not cached.",
                key,
                self.directory,
                _problem(exc),
            )

    def clear(self) -> None:
        """Delete every entry in the directory (for every process using it); reset ``stats``."""
        try:
            self._store.clear()
        except Exception as exc:
            if not self._recover(exc):  # a recovered cache is empty already
                raise
        self._stats.reset()

    @property
    def stats(self) -> CacheStats:
        """Hits and misses of this instance's :meth:`get` since creation or :meth:`clear`."""
        return self._stats.snapshot()

    def close(self) -> None:
        """Close the underlying database connections (they reopen on next use)."""
        self._store.close()

    # ------------------------------------------------------------------ reading
    def _lookup(self, key: str) -> tuple[bool, Any]:
        try:
            blob = self._store.get(key, default=None)
        except Exception as exc:  # sqlite errors, timeouts, I/O errors: never fail the run
            if not self._recover(exc):
                self._warn_unreadable(key, exc)
            return MISS
        if blob is None:
            return MISS
        try:
            payload = self._signer.verify(blob, bind=key.encode())
        except BadSignature as exc:
            self._reject(key, exc)
            return MISS
        try:
            return True, pickle.loads(payload)
        except Exception as exc:  # signed by us, but its classes cannot be loaded here
            self._warn_unreadable(key, exc)
            return MISS

    def _reject(self, key: str, exc: BadSignature) -> None:
        logger.warning(
            "Rejected cache entry %r in %s as corrupt or forged (%s). It is deleted and recomputed; if this keeps "
            "happening, another process writes this directory with a different secret (pass "
            "the same DiskCache(secret=...) everywhere) or someone else can write it.",
            key,
            self.directory,
            exc,
        )
        with contextlib.suppress(Exception):  # best effort: the next set overwrites it anyway
            self._store.delete(key)

    def _warn_unreadable(self, key: str, exc: BaseException) -> None:
        logger.warning(
            "Could not read cache entry %r from %s (%s); treating it as a miss.",
            key,
            self.directory,
            _problem(exc),
        )

    # ------------------------------------------------------------------ opening and damage
    def _make_directory(self) -> None:
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise self._unusable(exc) from exc
        if not os.path.isdir(self.directory):
            raise self._unusable(NotADirectoryError(f"{self.directory} is not a directory"))

    def _open(self) -> Any:
        """Open the store; a damaged database is moved aside once and the store reopened."""
        try:
            return self._connect()
        except Exception as exc:
            if not _is_damage(exc):
                raise self._unusable(exc) from exc
            self._move_aside(exc)
        try:
            return self._connect()
        except Exception as exc:
            raise self._unusable(exc) from exc

    def _connect(self) -> Any:
        kwargs = dict(self._kwargs)
        kwargs.setdefault("disk", _private_disk(self._diskcache))
        store = self._diskcache.Cache(self.directory, **kwargs)
        for name in _DB_FILES:
            path = os.path.join(self.directory, name)
            if os.path.exists(path):
                os.chmod(path, 0o600)
        return store

    def _recover(self, exc: BaseException) -> bool:
        """After a damage error in use: move the database aside and reopen. ``True`` if done."""
        if not _is_damage(exc):
            return False
        with self._lock:
            if self._recoveries >= _MAX_RECOVERIES:
                return False
            self._recoveries += 1
            try:
                self._store.close()
                self._move_aside(exc)
                self._store = self._connect()
            except Exception as again:
                logger.warning(
                    "Could not recover the damaged cache in %s (%s); lookups are misses.",
                    self.directory,
                    _problem(again),
                )
                return False
        return True

    def _move_aside(self, exc: BaseException) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        moved = Path(self.directory) / f"cache.db.damaged-{stamp}-{os.getpid()}"
        for name in _DB_FILES:
            source = Path(self.directory) / name
            if source.exists():
                target = moved if name == "cache.db" else moved.with_name(moved.name + name[8:])
                os.replace(source, target)
        logger.warning(
            "The cache database in %s is damaged (%s); moved it to %s and started an empty "
            "cache. Delete that file once you no longer need it.",
            self.directory,
            _problem(exc),
            moved,
        )

    def _unusable(self, exc: BaseException) -> OSError:
        kind = type(exc) if isinstance(exc, OSError) else OSError
        return kind(
            f"DiskCache cannot use the directory {self.directory} ({_problem(exc)}). How to "
            "fix: make it a writable directory of yours (e.g. chmod u+rwx), or pass another "
            "cache_dir; use InMemoryCache to run without a disk cache."
        )

    def __repr__(self) -> str:
        return f"DiskCache(cache_dir={self.directory!r})"

    # Database connections cannot cross processes: ship the location and reopen it.
    def __getstate__(self) -> dict[str, Any]:
        return {"cache_dir": self.directory, "kwargs": self._kwargs, "secret": self._secret}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["cache_dir"], secret=state.get("secret"), **state["kwargs"]
        )


def _is_damage(exc: BaseException) -> bool:
    """A database that is not one any more, as opposed to one we may not open or write."""
    if isinstance(exc, UnicodeError):
        return True
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


def _problem(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {short_text(str(exc))}"


_PRIVATE_DISK: list[type] = []  # made once, on first use (diskcache is imported lazily)


def _private_disk(diskcache: Any) -> type:
    """A ``diskcache.Disk`` whose value files are readable by their owner only (``0o600``)."""
    if not _PRIVATE_DISK:

        class PrivateDisk(diskcache.Disk):  # type: ignore[misc]
            def _write(self, full_path: str, *args: Any, **kwargs: Any) -> Any:
                size = super()._write(full_path, *args, **kwargs)
                os.chmod(full_path, 0o600)
                return size

        _PRIVATE_DISK.append(PrivateDisk)
    return _PRIVATE_DISK[0]
