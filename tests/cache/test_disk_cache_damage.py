"""DiskCache with a damaged database or an unusable directory: recover, or one clear error."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from hypergraph import DiskCache, Graph, SyncRunner, node


def _filled(directory: Path) -> Path:
    cache = DiskCache(str(directory))
    cache.set("k", [1, 2, 3])
    cache.close()
    return directory / "cache.db"


def _truncate(db: Path) -> None:
    with open(db, "r+b") as handle:
        handle.truncate(db.stat().st_size // 3)


def _zero_fill(db: Path) -> None:
    db.write_bytes(b"\0" * db.stat().st_size)


def _garble(db: Path) -> None:
    data = bytearray(db.read_bytes())
    for index in range(0, len(data), 5):
        data[index] = (data[index] * 31 + 7) % 256
    db.write_bytes(bytes(data))


def _drop_journal(directory: Path) -> None:
    for name in ("cache.db-wal", "cache.db-shm"):
        (directory / name).unlink(missing_ok=True)


@node(output_name="doubled", cache=True)
def double(x: int) -> int:
    return x * 2


@pytest.mark.parametrize("damage", [_truncate, _zero_fill, _garble])
def test_damaged_database_is_moved_aside_with_a_warning_and_the_run_still_works(
    tmp_path: Path, damage, caplog: pytest.LogCaptureFixture
) -> None:
    db = _filled(tmp_path)
    _drop_journal(tmp_path)
    damage(db)
    with caplog.at_level(logging.WARNING, logger="hypergraph.cache"):
        cache = DiskCache(str(tmp_path))
    moved = [p for p in tmp_path.glob("cache.db.damaged-*") if not p.name.endswith(("wal", "shm"))]
    assert len(moved) == 1
    assert any(str(moved[0]) in record.getMessage() for record in caplog.records)
    assert cache.get("k") == (False, None)
    runner = SyncRunner(cache=cache)
    graph = Graph([double])
    assert runner.run(graph, x=21)["doubled"] == 42
    assert runner.run(graph, x=21)["doubled"] == 42
    assert cache.stats.hits == 1


def test_database_damaged_while_in_use_is_recovered_on_the_next_lookup(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = DiskCache(str(tmp_path))
    cache.set("k", "value")
    cache.close()  # connections reopen on next use, and then meet the damage
    _drop_journal(tmp_path)
    _zero_fill(tmp_path / "cache.db")
    with caplog.at_level(logging.WARNING, logger="hypergraph.cache"):
        assert cache.get("k") == (False, None)
    assert list(tmp_path.glob("cache.db.damaged-*"))
    cache.set("k", "again")
    assert cache.get("k") == (True, "again")


def test_a_file_in_place_of_the_directory_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    for target in (blocker, blocker / "below"):
        with pytest.raises(OSError, match="How to fix") as info:
            DiskCache(str(target))
        assert f"DiskCache cannot use the directory {target}" in str(info.value)


def test_read_only_directory_is_one_clear_error(tmp_path: Path) -> None:
    # Permission bits do not bind the superuser (CI runs as root), so as root the cache is
    # pointed at sysfs, where even root cannot create a directory.
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    target = Path("/sys/hypergraph-test-cache") if as_root else tmp_path / "cache"
    if not as_root:
        tmp_path.chmod(0o500)
    try:
        with pytest.raises(OSError, match="How to fix") as info:
            DiskCache(str(target))
        assert str(target) in str(info.value)
        assert "cache_dir" in str(info.value)
    finally:
        tmp_path.chmod(0o700)


def test_disk_cache_stats_and_clear(tmp_path: Path) -> None:
    cache = DiskCache(str(tmp_path))
    cache.set("k", 1)
    assert cache.get("k") == (True, 1) and cache.get("x") == (False, None)
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)
    cache.clear()
    assert cache.get("k") == (False, None)
    assert DiskCache(str(tmp_path)).get("k") == (False, None)  # cleared on disk
    assert (cache.stats.hits, cache.stats.misses) == (0, 1)
