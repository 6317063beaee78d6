"""``CheckpointPolicy``: when steps are written (durability) and which are kept (retention)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CheckpointPolicy", "Durability", "Retention"]

Durability = Literal["sync", "async", "exit"]
Retention = Literal["full", "latest", "windowed"]

_DURABILITY = ("sync", "async", "exit")
_RETENTION = ("full", "latest", "windowed")


@dataclass(frozen=True)
class CheckpointPolicy:
    """How a checkpointer records runs.

    Args:
        durability: ``"sync"``: a superstep's steps are stored before the next superstep starts
            (a crash loses at most the node that was running). ``"async"`` (default): steps go
            to one background writer, so a run never waits for the store; a crash may lose the
            last few steps (their nodes run again on resume), and a failed write does not fail
            the run but shows as ``result.checkpoint_ok is False``. ``"exit"``: one write when
            the run ends (completed, failed or paused); needs ``retention="latest"``.
        retention: ``"full"`` (default) keeps every step; ``"latest"`` keeps only what
            resuming needs (the latest step of each node); ``"windowed"`` keeps those plus
            every step of the last ``window`` supersteps.
        window: Number of supersteps ``"windowed"`` keeps (required for it, refused otherwise).

    Example:
        >>> CheckpointPolicy(durability="sync", retention="latest")
        CheckpointPolicy(durability='sync', retention='latest', window=None)
    """

    durability: Durability = "async"
    retention: Retention = "full"
    window: int | None = None

    def __post_init__(self) -> None:
        if self.durability not in _DURABILITY:
            raise ValueError(
                f"Invalid durability={self.durability!r}; choose one of {list(_DURABILITY)}: "
                "'sync' stores each superstep before the next, 'async' in the background, "
                "'exit' once when the run ends."
            )
        if self.retention not in _RETENTION:
            raise ValueError(
                f"Invalid retention={self.retention!r}; choose one of {list(_RETENTION)}: "
                "'full' keeps every step, 'latest' what resuming needs, 'windowed' the last "
                "`window` supersteps as well."
            )
        if self.retention == "windowed":
            if isinstance(self.window, bool) or not isinstance(self.window, int):
                raise ValueError(
                    "retention='windowed' needs window=<number of supersteps to keep>, e.g. "
                    f"CheckpointPolicy(retention='windowed', window=10); got {self.window!r}."
                )
            if self.window < 1:
                raise ValueError(f"window must be at least 1, got {self.window}.")
        elif self.window is not None:
            raise ValueError(
                f"window={self.window!r} only applies to retention='windowed' (got "
                f"retention={self.retention!r}). Drop window, or use retention='windowed'."
            )
        if self.durability == "exit" and self.retention != "latest":
            raise ValueError(
                "durability='exit' writes once when the run ends, so it can only keep what "
                f"resuming needs: use retention='latest' with it (got {self.retention!r})."
            )
