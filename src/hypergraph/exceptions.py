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
    "GraphChangedError",
    "InputOverrideRequiresForkError",
    "WorkflowAlreadyCompletedError",
    "WorkflowBusyError",
    "RetryAfterError",
    "AttemptTimeoutError",
    "RetryWindowExpiredError",
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


class PauseExecution(BaseException):  # noqa: N818 - public name, kept as documented
    """Internal: raised by an interrupt that needs a human answer; carries the PauseInfo."""

    def __init__(self, pause_info: PauseInfo) -> None:
        self.pause_info = pause_info
        super().__init__(f"Paused at {pause_info.node_name}")


class GraphChangedError(Exception):
    """A stored workflow is resumed with a graph whose structure differs from the one it ran.

    Attributes:
        workflow_id: The workflow.
        stored_hash, current_hash: The structure hashes of the stored and the given graph.
    """

    def __init__(self, workflow_id: str, stored_hash: str, current_hash: str) -> None:
        self.workflow_id = workflow_id
        self.stored_hash = stored_hash
        self.current_hash = current_hash
        super().__init__(
            f"Workflow {workflow_id!r} was recorded with a graph of a different structure "
            f"(nodes, names or edges changed: stored {stored_hash[:12]}, now "
            f"{current_hash[:12]}), so its steps cannot be replayed into this graph. How to "
            "fix: run the graph it was started with, start a new workflow_id, or pass "
            "override_workflow=True to discard the stored steps and start over."
        )


class InputOverrideRequiresForkError(Exception):
    """Inputs that differ from a stored workflow's inputs were passed to resume it.

    Attributes:
        workflow_id: The workflow.
        names: The inputs whose values differ from (or are not among) the stored ones.
    """

    def __init__(self, workflow_id: str, names: list[str]) -> None:
        self.workflow_id = workflow_id
        self.names = list(names)
        shown = ", ".join(repr(n) for n in self.names)
        super().__init__(
            f"Workflow {workflow_id!r} already exists with other values for input(s) {shown}; "
            "a resume uses the stored inputs (pass none, or the same ones). How to fix: to run "
            f"with new inputs from its current state, fork it: run(graph, {{...}}, "
            f"fork_from={workflow_id!r}, workflow_id='<new id>'); or pass "
            "override_workflow=True to discard it and start over."
        )


class WorkflowAlreadyCompletedError(Exception):
    """A completed workflow was run again with its workflow id.

    Attributes:
        workflow_id: The workflow.
        items: For a ``map`` workflow, how many items it recorded (``None`` for a run).
    """

    def __init__(self, workflow_id: str, *, items: int | None = None) -> None:
        self.workflow_id = workflow_id
        self.items = items
        if items is None:
            advice = (
                f"Read its result with checkpointer.state({workflow_id!r}) (or "
                f"checkpointer.steps({workflow_id!r}) for every step). To run it again, use a "
                f"new workflow_id, fork it with fork_from={workflow_id!r}, or pass "
                "override_workflow=True to discard it and start over."
            )
        else:  # a map's own state is its inputs: the results live in its item runs
            advice = (
                f"It is a map of {items} items, each its own child run: read item i's result "
                f"with checkpointer.state('{workflow_id}/<i>') (e.g. "
                f"checkpointer.state('{workflow_id}/0')). To run it again, use a new "
                "workflow_id."
            )
        super().__init__(
            f"Workflow {workflow_id!r} already completed; running it again would re-run "
            f"nothing. {advice}"
        )


class WorkflowBusyError(Exception):
    """The workflow id is being run by another runner right now (its lease is held).

    Attributes:
        workflow_id: The workflow.
        owner: Who holds it (``"host:pid:token"``).
        expires_at: When the lease expires unless its holder writes again (POSIX time).
    """

    def __init__(self, workflow_id: str, owner: str, expires_at: float) -> None:
        import time

        self.workflow_id = workflow_id
        self.owner = owner
        self.expires_at = expires_at
        left = max(0.0, expires_at - time.time())
        super().__init__(
            f"Workflow {workflow_id!r} is being run by {owner} right now (lease held for "
            f"another {left:.0f} s unless it writes again); a workflow id runs in one place at "
            "a time. How to fix: wait for that run to finish (or pause), use another "
            "workflow_id, or, if that process is gone on another machine, retry once its "
            "lease expired."
        )


class RetryAfterError(Exception):
    """Raised by a node to ask for its next attempt after ``retry_after`` seconds.

    Use it when the failure itself says how long to wait, e.g. an HTTP 429 response with a
    ``Retry-After`` header::

        except httpx.HTTPStatusError as exc:
            raise RetryAfterError(exc, retry_after=float(exc.response.headers["Retry-After"]))

    The node's ``RetryPolicy`` retries it when ``RetryAfterError`` itself or the type of
    ``error`` is listed in ``retry_on``, waiting ``retry_after`` seconds instead of the backoff
    delay. If no attempt is left, this error is the node's error, with ``error`` as its cause.

    Args:
        error: The underlying exception (or a message).
        retry_after: Seconds to wait before the next attempt (at least 0).
    """

    def __init__(self, error: BaseException | str, *, retry_after: float) -> None:
        if isinstance(retry_after, bool) or not isinstance(retry_after, (int, float)):
            raise TypeError(
                f"RetryAfterError: retry_after must be a number of seconds, got {retry_after!r}."
            )
        if not retry_after >= 0:
            raise ValueError(
                f"RetryAfterError: retry_after must be at least 0 seconds, got {retry_after!r}."
            )
        self.error = error
        self.retry_after = float(retry_after)
        super().__init__(f"{error} (retry after {self.retry_after:g}s)")
        if isinstance(error, BaseException):
            self.__cause__ = error


class AttemptTimeoutError(TimeoutError):
    """One attempt of a node ran longer than the node's ``timeout`` and was cancelled.

    Retried like any other error when listed in the node's ``RetryPolicy.retry_on`` (listing
    ``TimeoutError`` covers it too, as it is a subclass).

    Attributes:
        node_name: The node whose attempt timed out.
        timeout: The node's timeout in seconds.
        attempt: Which attempt timed out (1 for the first).
    """

    def __init__(
        self,
        message: str,
        *,
        node_name: str | None = None,
        timeout: float | None = None,
        attempt: int | None = None,
    ) -> None:
        self.message = message
        self.node_name = node_name
        self.timeout = timeout
        self.attempt = attempt
        super().__init__(message)


class RetryWindowExpiredError(Exception):
    """A node kept failing until its ``RetryPolicy.retry_window`` ran out.

    The last attempt's exception is its ``__cause__``.

    Attributes:
        node_name: The node that gave up.
        attempts: How many attempts ran.
        retry_window: The policy's window in seconds.
    """

    def __init__(
        self,
        message: str,
        *,
        node_name: str | None = None,
        attempts: int | None = None,
        retry_window: float | None = None,
    ) -> None:
        self.message = message
        self.node_name = node_name
        self.attempts = attempts
        self.retry_window = retry_window
        super().__init__(message)
