"""DiskCache entries are signed: whoever can write the directory cannot choose results."""

from __future__ import annotations

import logging
import os
import pickle
import stat
from pathlib import Path

import pytest

from hypergraph import DiskCache, Graph, SyncRunner, node

diskcache = pytest.importorskip("diskcache")


class _Planted:
    """Unpickling this creates ``path``: proof that a planted entry ran code."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


@node(output_name="answer", cache=True)
def compute(question: str) -> str:
    return f"computed {question}"


def _key_of_only_entry(directory: Path) -> str:
    with diskcache.Cache(str(directory)) as raw:
        keys = list(raw.iterkeys())
    assert len(keys) == 1
    return keys[0]


def test_planted_entry_is_rejected_not_unpickled_and_then_overwritten(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runner = SyncRunner(cache=DiskCache(str(tmp_path / "cache")))
    graph = Graph([compute])
    assert runner.run(graph, question="q")["answer"] == "computed q"
    key = _key_of_only_entry(tmp_path / "cache")
    marker = tmp_path / "code-ran"
    evil = pickle.dumps(_Planted(str(marker)))
    attempts = [evil, b"hgc1" + bytes(16) + pickle.dumps("chosen by attacker")]
    for blob in attempts:  # a raw pickle, and the old unkeyed-checksum format
        with diskcache.Cache(str(tmp_path / "cache")) as raw:
            raw.set(key, blob)
        fresh = SyncRunner(cache=DiskCache(str(tmp_path / "cache")))
        with caplog.at_level(logging.WARNING, logger="hypergraph.cache"):
            assert fresh.run(graph, question="q")["answer"] == "computed q"
        assert not marker.exists()
        assert any("Rejected cache entry" in r.getMessage() for r in caplog.records)
        with diskcache.Cache(str(tmp_path / "cache")) as raw:
            assert raw.get(key) != blob  # overwritten by the recomputed, signed entry
    assert SyncRunner(cache=DiskCache(str(tmp_path / "cache"))).run(graph, question="q")[
        "answer"
    ] == ("computed q")


def test_valid_entry_copied_under_another_key_is_rejected(tmp_path: Path) -> None:
    cache = DiskCache(str(tmp_path))
    cache.set("first", "value of first")
    with diskcache.Cache(str(tmp_path)) as raw:
        raw.set("second", raw.get("first"))
    assert cache.get("second") == (False, None)
    assert cache.get("first") == (True, "value of first")


def test_entries_signed_with_another_secret_are_misses(tmp_path: Path) -> None:
    DiskCache(str(tmp_path), secret="one secret, long enough").set("k", 1)
    assert DiskCache(str(tmp_path), secret="one secret, long enough").get("k") == (True, 1)
    assert DiskCache(str(tmp_path), secret="another secret, also long").get("k") == (False, None)
    assert DiskCache(str(tmp_path)).get("k") == (False, None)  # the per-user secret file


def test_short_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        DiskCache(str(tmp_path), secret="short")


def test_directory_database_and_value_files_are_private(tmp_path: Path) -> None:
    directory = tmp_path / "new" / "cache"
    cache = DiskCache(str(directory), disk_min_file_size=0)
    cache.set("big", b"x" * 10_000)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert any(p.suffix == ".val" for p in files) and (directory / "cache.db") in files
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {oct(0o600)}


def test_per_user_secret_file_is_created_private_and_reused(tmp_path: Path) -> None:
    secret_file = Path(os.environ["XDG_CONFIG_HOME"]) / "hypergraph" / "secret"
    DiskCache(str(tmp_path / "a")).set("k", 1)
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(secret_file.parent.stat().st_mode) == 0o700
    assert DiskCache(str(tmp_path / "a")).get("k") == (True, 1)


def test_secret_file_readable_by_others_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    DiskCache(str(tmp_path / "cache"))
    secret_file = tmp_path / "config" / "hypergraph" / "secret"
    secret_file.chmod(0o644)
    with pytest.raises(PermissionError, match=f"chmod 600 {secret_file}"):
        DiskCache(str(tmp_path / "cache"))


def test_a_shipped_disk_cache_keeps_its_explicit_secret(tmp_path: Path) -> None:
    cache = DiskCache(str(tmp_path), secret="shared by every worker!")
    cache.set("k", "v")
    copy = pickle.loads(pickle.dumps(cache))
    assert copy.get("k") == (True, "v")
