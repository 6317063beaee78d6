"""Cache backends and cache keys (docs/guides/caching.md, backend side)."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sqlite3
import subprocess
import sys
import threading
import types
from pathlib import Path
from typing import Any

import pytest

from hypergraph import CacheBackend, DiskCache, InMemoryCache
from hypergraph.cache import compute_cache_key

SRC_DIR = str(Path(__file__).resolve().parents[1] / "src")
BIG = 4096  # bytes; with disk_min_file_size below this, diskcache writes values to files


def run_python(code: str, stdin: bytes | None = None) -> str:
    """Run ``code`` in a fresh interpreter that imports this checkout; return its stdout."""
    env = {**os.environ, "PYTHONPATH": SRC_DIR + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().strip()


def value_files(directory: Path) -> list[Path]:
    """Files diskcache wrote for large values (everything but the sqlite database)."""
    return [p for p in directory.rglob("*") if p.is_file() and not p.name.startswith("cache.db")]


# --- protocol -------------------------------------------------------------------------------


def test_both_backends_satisfy_cache_backend_protocol(tmp_path: Path) -> None:
    assert isinstance(InMemoryCache(), CacheBackend)
    assert isinstance(DiskCache(str(tmp_path)), CacheBackend)


def test_user_class_with_get_and_set_is_a_cache_backend() -> None:
    class DictCache:
        def __init__(self) -> None:
            self.data: dict[str, Any] = {}

        def get(self, key: str) -> tuple[bool, Any]:
            return (key in self.data, self.data.get(key))

        def set(self, key: str, value: Any) -> None:
            self.data[key] = value

    assert isinstance(DictCache(), CacheBackend)
    assert not isinstance(object(), CacheBackend)


# --- InMemoryCache --------------------------------------------------------------------------


def test_in_memory_miss_is_false_none_and_cached_none_is_a_hit() -> None:
    cache = InMemoryCache()
    assert cache.get("absent") == (False, None)
    cache.set("k", None)
    assert cache.get("k") == (True, None)


def test_max_size_one_keeps_only_newest_key() -> None:
    cache = InMemoryCache(max_size=1)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == (False, None)
    assert cache.get("b") == (True, 2)
    assert len(cache) == 1


def test_get_refreshes_lru_order() -> None:
    cache = InMemoryCache(max_size=2)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == (True, 1)  # "a" is now the most recently used
    cache.set("c", 3)
    assert cache.get("b") == (False, None)
    assert cache.get("a") == (True, 1)
    assert cache.get("c") == (True, 3)


def test_set_on_existing_key_replaces_value_and_refreshes_recency() -> None:
    cache = InMemoryCache(max_size=2)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.set("a", 10)
    cache.set("c", 3)
    assert cache.get("a") == (True, 10)
    assert cache.get("b") == (False, None)


def test_max_size_zero_keeps_nothing() -> None:
    cache = InMemoryCache(max_size=0)
    cache.set("a", 1)
    assert cache.get("a") == (False, None)
    assert len(cache) == 0


def test_unbounded_cache_keeps_every_entry() -> None:
    cache = InMemoryCache()
    for i in range(1000):
        cache.set(str(i), i)
    assert len(cache) == 1000
    assert cache.get("0") == (True, 0)


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_invalid_max_size_is_rejected_with_hint(bad: Any) -> None:
    with pytest.raises(ValueError, match="max_size"):
        InMemoryCache(max_size=bad)


def test_in_memory_cache_is_consistent_under_concurrent_threads() -> None:
    cache = InMemoryCache(max_size=50)
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for i in range(2000):
                key = str((offset + i) % 120)
                cache.set(key, key)
                hit, value = cache.get(key)
                assert not hit or value == key  # a hit never returns another key's value
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n * 7,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) == 50


def test_in_memory_cache_pickles_with_its_entries_and_limit() -> None:
    cache = InMemoryCache(max_size=2)
    cache.set("a", [1, 2])
    copy = pickle.loads(pickle.dumps(cache))
    assert copy.get("a") == (True, [1, 2])
    copy.set("b", 2)
    copy.set("c", 3)
    assert copy.get("a") == (False, None)


# --- compute_cache_key ----------------------------------------------------------------------


def test_key_is_sha256_of_hash_and_sorted_pickled_inputs() -> None:
    inputs = {"b": 2, "a": [1, "x"]}
    expected = hashlib.sha256(b"def123" + pickle.dumps(sorted(inputs.items()))).hexdigest()
    assert compute_cache_key("def123", inputs) == expected
    assert len(expected) == 64


def test_key_does_not_depend_on_input_order() -> None:
    assert compute_cache_key("h", {"x": 1, "y": 2}) == compute_cache_key("h", {"y": 2, "x": 1})


def test_key_exists_for_a_node_without_inputs_and_depends_on_hash() -> None:
    key = compute_cache_key("h1", {})
    assert key and key == compute_cache_key("h1", {})
    assert key != compute_cache_key("h2", {})


def test_key_changes_with_definition_hash_and_with_inputs() -> None:
    base = compute_cache_key("h", {"x": 1})
    assert base != compute_cache_key("h-edited", {"x": 1})
    assert base != compute_cache_key("h", {"x": 2})
    assert base != compute_cache_key("h", {"z": 1})


def test_key_is_the_same_in_another_process() -> None:
    inputs = {"text": "hello", "n": 3, "opts": (1.5, None)}
    code = f"from hypergraph.cache import compute_cache_key as k\nprint(k('h', {inputs!r}))"
    assert run_python(code) == compute_cache_key("h", inputs)


def test_unpicklable_input_gives_empty_key_and_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="hypergraph.cache"):
        key = compute_cache_key("h", {"ok": 1, "fn": lambda x: x})
    assert key == ""
    messages = [r.getMessage() for r in caplog.records if r.name == "hypergraph.cache"]
    assert len(messages) == 1
    assert "'fn'" in messages[0] and "'ok'" not in messages[0]


# --- DiskCache: basics ----------------------------------------------------------------------


def test_disk_cache_round_trip_and_miss(tmp_path: Path) -> None:
    cache = DiskCache(str(tmp_path))
    assert cache.get("absent") == (False, None)
    cache.set("k", {"vec": [0.1, 0.2]})
    cache.set("none", None)
    assert cache.get("k") == (True, {"vec": [0.1, 0.2]})
    assert cache.get("none") == (True, None)


def test_second_disk_cache_on_same_directory_gets_hits(tmp_path: Path) -> None:
    first = DiskCache(str(tmp_path / "shared"))
    first.set("k", "value")
    first.close()
    second = DiskCache(str(tmp_path / "shared"))
    assert second.get("k") == (True, "value")


def test_cache_dir_expands_user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    cache = DiskCache("~/hg-cache")
    cache.set("k", 1)
    assert (tmp_path / "hg-cache" / "cache.db").exists()


def test_kwargs_are_passed_to_diskcache(tmp_path: Path) -> None:
    cache = DiskCache(str(tmp_path), disk_min_file_size=16)
    cache.set("k", b"x" * BIG)
    assert value_files(tmp_path), "large value should be written to its own file"
    assert cache.get("k") == (True, b"x" * BIG)


def test_unpicklable_value_is_skipped_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = DiskCache(str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="hypergraph.cache"):
        cache.set("k", threading.Lock())
    assert cache.get("k") == (False, None)
    assert any("cannot be pickled" in r.getMessage() for r in caplog.records)


def test_missing_diskcache_raises_import_error_naming_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "diskcache", None)
    with pytest.raises(ImportError, match=r"pip install 'hypergraph\[cache\]'"):
        DiskCache(str(tmp_path))


# --- DiskCache: damaged entries are misses --------------------------------------------------


@pytest.fixture
def big_entry(tmp_path: Path) -> tuple[DiskCache, Path]:
    """A DiskCache holding key "k" whose value lives in a file; returns the cache and file."""
    cache = DiskCache(str(tmp_path), disk_min_file_size=16)
    cache.set("k", b"A" * BIG)
    (path,) = value_files(tmp_path)
    return cache, path


def test_value_file_with_changed_bytes_is_a_miss_not_a_wrong_value(
    big_entry: tuple[DiskCache, Path], caplog: pytest.LogCaptureFixture
) -> None:
    cache, path = big_entry
    data = bytearray(path.read_bytes())
    data[-10] = ord("B")  # still a valid pickle of a different bytes value
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="hypergraph.cache"):
        assert cache.get("k") == (False, None)
    assert any("corrupt" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("content", [b"", b"hgc1", b"garbage" * 10])
def test_truncated_or_garbage_value_file_is_a_miss(
    big_entry: tuple[DiskCache, Path], content: bytes
) -> None:
    cache, path = big_entry
    path.write_bytes(content)
    assert cache.get("k") == (False, None)


def test_deleted_value_file_is_a_miss(big_entry: tuple[DiskCache, Path]) -> None:
    cache, path = big_entry
    path.unlink()
    assert cache.get("k") == (False, None)


def test_corrupt_entry_is_replaced_by_the_next_set(big_entry: tuple[DiskCache, Path]) -> None:
    cache, path = big_entry
    path.write_bytes(b"garbage")
    cache.set("k", "fresh")
    assert cache.get("k") == (True, "fresh")


def test_failing_sqlite_read_and_write_are_misses(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = DiskCache(str(tmp_path))
    cache.set("k", 1)
    with sqlite3.connect(tmp_path / "cache.db") as other:
        other.execute("DROP TABLE Cache")  # every later query on the table fails
    with caplog.at_level(logging.WARNING, logger="hypergraph.cache"):
        assert cache.get("k") == (False, None)
        cache.set("k", 2)  # must not raise
        assert cache.get("k") == (False, None)
    messages = [r.getMessage() for r in caplog.records]
    assert any("Could not read" in m for m in messages)
    assert any("Could not write" in m for m in messages)


def test_value_that_cannot_be_unpickled_here_is_a_miss(tmp_path: Path) -> None:
    module = types.ModuleType("hg_cache_vanishing_module")

    class Gone:
        pass

    Gone.__module__ = module.__name__
    Gone.__qualname__ = "Gone"
    module.Gone = Gone  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        cache = DiskCache(str(tmp_path))
        cache.set("k", Gone())
        assert cache.get("k")[0], "stored while the class is importable"
    finally:
        del sys.modules[module.__name__]
    assert cache.get("k") == (False, None)


# --- DiskCache: processes and pickling ------------------------------------------------------


def test_entry_written_by_subprocess_is_read_by_parent(tmp_path: Path) -> None:
    run_python(
        "from hypergraph.cache import DiskCache\n"
        f"DiskCache({str(tmp_path)!r}).set('from-child', [1, 2, 3])"
    )
    assert DiskCache(str(tmp_path)).get("from-child") == (True, [1, 2, 3])


def test_entry_written_by_parent_is_read_by_subprocess(tmp_path: Path) -> None:
    DiskCache(str(tmp_path)).set("from-parent", {"a": 1})
    out = run_python(
        "from hypergraph.cache import DiskCache\n"
        f"print(DiskCache({str(tmp_path)!r}).get('from-parent'))"
    )
    assert out == "(True, {'a': 1})"


def test_pickled_disk_cache_reopens_same_directory_with_same_options(tmp_path: Path) -> None:
    cache = DiskCache(str(tmp_path), disk_min_file_size=16)
    cache.set("k", "v")
    copy = pickle.loads(pickle.dumps(cache))
    assert copy.get("k") == (True, "v")
    copy.set("big", b"z" * BIG)
    assert value_files(tmp_path), "disk_min_file_size must survive pickling"
    assert cache.get("big") == (True, b"z" * BIG)


def test_disk_cache_shipped_to_another_process_shares_entries(tmp_path: Path) -> None:
    cache = DiskCache(str(tmp_path))
    cache.set("k", "from-parent")
    out = run_python(
        "import pickle, sys\n"
        "cache = pickle.loads(sys.stdin.buffer.read())\n"
        "print(cache.get('k')[1])\n"
        "cache.set('reply', 'from-worker')",
        stdin=pickle.dumps(cache),
    )
    assert out == "from-parent"
    assert cache.get("reply") == (True, "from-worker")


def test_disk_cache_pickled_with_relative_dir_opens_absolute_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cache = DiskCache("relative-cache")
    cache.set("k", 1)
    monkeypatch.chdir(tmp_path.parent)
    assert pickle.loads(pickle.dumps(cache)).get("k") == (True, 1)


def test_disk_cache_shared_by_threads(tmp_path: Path) -> None:
    cache = DiskCache(str(tmp_path))
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"{n}-{i}", i)
                assert cache.get(f"{n}-{i}") == (True, i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
