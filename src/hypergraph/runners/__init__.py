"""Runners: how a graph is executed (docs/guides/running.md).

``SyncRunner`` calls nodes inline; ``AsyncRunner`` awaits them concurrently. Both drive the same
sans-IO run loop (:mod:`hypergraph.runners.loop.steps`) and call nodes through
:mod:`hypergraph.runners.loop.call`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypergraph.runners.base import BaseRunner
from hypergraph.runners.result import (
    ErrorHandling,
    PauseInfo,
    RunnerCapabilities,
    RunResult,
    RunStatus,
)
from hypergraph.runners.sync import SyncRunner

__all__ = [
    "SyncRunner",
    "AsyncRunner",
    "BaseRunner",
    "ErrorHandling",
    "RunStatus",
    "RunResult",
    "PauseInfo",
    "RunnerCapabilities",
]


def __getattr__(name: str) -> Any:
    # AsyncRunner lives in its own module, imported on first use (it pulls in asyncio).
    if name == "AsyncRunner":
        from hypergraph.runners.async_ import AsyncRunner

        globals()["AsyncRunner"] = AsyncRunner
        return AsyncRunner
    raise AttributeError(f"module 'hypergraph.runners' has no attribute '{name}'")


if TYPE_CHECKING:
    from hypergraph.runners.async_ import AsyncRunner
