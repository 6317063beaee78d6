"""CheckpointPolicy validation and how checkpointers combine it with their own arguments."""

from __future__ import annotations

import pytest

from hypergraph import CheckpointPolicy, MemoryCheckpointer, SqliteCheckpointer
from hypergraph.checkpointers import JsonSerializer, PickleSerializer


def test_defaults_are_async_and_full() -> None:
    assert CheckpointPolicy() == CheckpointPolicy(durability="async", retention="full")
    cp = MemoryCheckpointer()
    assert cp.policy == CheckpointPolicy()
    assert isinstance(cp.serializer, JsonSerializer)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"durability": "later"}, "Invalid durability='later'"),
        ({"retention": "some"}, "Invalid retention='some'"),
        ({"retention": "windowed"}, "needs window="),
        ({"retention": "windowed", "window": 0}, "at least 1"),
        ({"window": 3}, "only applies to retention='windowed'"),
        ({"durability": "exit"}, "use retention='latest'"),
    ],
)
def test_invalid_policies_say_how_to_fix_them(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CheckpointPolicy(**kwargs)


def test_exit_durability_with_latest_retention_is_valid() -> None:
    assert CheckpointPolicy(durability="exit", retention="latest").durability == "exit"


def test_keyword_arguments_override_the_policy(tmp_path) -> None:
    base = CheckpointPolicy(durability="sync", retention="windowed", window=4)
    cp = SqliteCheckpointer(tmp_path / "r.db", policy=base, retention="latest")
    assert cp.policy == CheckpointPolicy(durability="sync", retention="latest")
    cp = MemoryCheckpointer(durability="exit", retention="latest")
    assert cp.policy.durability == "exit"
    with pytest.raises(ValueError, match="use retention='latest'"):
        MemoryCheckpointer(durability="exit")


def test_serializer_must_be_a_serializer() -> None:
    with pytest.raises(TypeError, match="PickleSerializer\\(allow_pickle=True\\)"):
        MemoryCheckpointer(serializer="pickle")  # type: ignore[arg-type]
    assert MemoryCheckpointer(serializer=PickleSerializer(allow_pickle=True)).serializer.name == (
        "pickle"
    )


def test_sqlite_refuses_an_in_memory_database() -> None:
    with pytest.raises(ValueError, match="MemoryCheckpointer"):
        SqliteCheckpointer(":memory:")
