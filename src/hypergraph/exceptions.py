"""Every public error class of hypergraph.

Node exceptions are never wrapped: a user's ``ValueError`` raised inside a node reaches the
caller as that same ``ValueError``. The classes here describe problems with the graph, its
inputs or the runner, and each message says what happened, where, and how to fix it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypergraph.runners.result import PauseInfo

__all__ = [
    "GraphConfigError",
    "RenameError",
    "MissingInputError",
    "InfiniteLoopError",
    "IncompatibleRunnerError",
    "ExecutionError",
    "PauseExecution",
]


class GraphConfigError(Exception):
    """The graph is built wrongly: bad names, conflicting producers, unknown targets, etc."""


class RenameError(Exception):
    """A rename refers to a name the node does not have, or would create duplicate names."""


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


class MissingInputError(Exception):
    """Required inputs (or a cycle's entry values) were not supplied to a run."""

    def __init__(
        self,
        missing: list[str],
        provided: list[str] | None = None,
        message: str | None = None,
    ) -> None:
        self.missing = list(missing)
        self.provided = list(provided) if provided is not None else []
        self.message = (
            message
            if message is not None
            else (f"Missing required inputs: {_quoted(self.missing)}")
        )
        super().__init__(self.message)


class InfiniteLoopError(Exception):
    """A cyclic graph still had work to do after ``max_iterations`` supersteps."""

    def __init__(self, max_iterations: int, message: str | None = None) -> None:
        self.max_iterations = max_iterations
        self.message = (
            message
            if message is not None
            else (
                f"Graph did not finish within max_iterations={max_iterations} supersteps. "
                "A loop never reached END; check the gate's exit condition, or raise "
                "max_iterations if the loop legitimately needs more turns."
            )
        )
        super().__init__(self.message)


class IncompatibleRunnerError(Exception):
    """The runner lacks a capability the graph needs (async nodes, interrupts, ...)."""

    def __init__(
        self,
        message: str,
        *,
        node_name: str | None = None,
        capability: str | None = None,
    ) -> None:
        self.message = message
        self.node_name = node_name
        self.capability = capability
        super().__init__(message)


class ExecutionError(Exception):
    """Internal: a node failure together with the state reached before it.

    Runners unwrap it before returning; it never escapes ``run()``.
    """

    def __init__(self, cause: BaseException, partial_state: Any) -> None:
        self.cause = cause
        self.partial_state = partial_state
        super().__init__(str(cause))
        self.__cause__ = cause


class PauseExecution(BaseException):  # noqa: N818 - name fixed by the spec
    """Internal: raised by an interrupt that needs a human answer; carries the PauseInfo."""

    def __init__(self, pause_info: PauseInfo) -> None:
        self.pause_info = pause_info
        super().__init__(f"Paused at {pause_info.node_name}")
