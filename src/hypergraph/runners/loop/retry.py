"""Attempts of one node call: retries, backoff, timeouts and their events, for every driver.

A node with a ``RetryPolicy`` or a ``timeout`` (``NodePlan.guarded``) is executed through
:func:`call_with_retries` (SyncRunner) or :func:`call_with_retries_async` (AsyncRunner). Both are
the same few lines around :class:`Attempts`, which holds everything else:

- :func:`after_failure` is the pure decision "attempt N failed with this error after this much
  time: wait how long, or give up with which error?" (no clock, no I/O);
- :class:`Attempts` applies it to one call, emits ``NodeAttemptStartEvent`` /
  ``NodeAttemptEndEvent`` between the node's start and end, and owns the clock;
- the drivers only differ in how they sleep (``clock.sleep`` or ``await clock.sleep_async``)
  and in what one attempt is (AsyncRunner takes a ``max_concurrency`` slot per attempt, so a
  node waiting for its next attempt holds none, and may cancel an attempt on timeout).

**The clock is injectable**: :func:`retry_clock` installs another :class:`RetryClock` (a context
variable, inherited by asyncio tasks), so tests measure backoff with a fake clock instead of
sleeping.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

from hypergraph.exceptions import AttemptTimeoutError, RetryAfterError, RetryWindowExpiredError
from hypergraph.retry import RetryPolicy
from hypergraph.runners.loop.event_hooks import emit_attempt_end, emit_attempt_start

__all__ = [
    "Attempts",
    "RetryClock",
    "SystemClock",
    "after_failure",
    "call_with_retries",
    "call_with_retries_async",
    "retry_clock",
]

T = TypeVar("T")


class RetryClock(Protocol):
    """What the retry loop needs from time: read it, and wait (blocking or awaiting)."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for ``seconds`` (SyncRunner)."""
        ...

    async def sleep_async(self, seconds: float) -> None:
        """Wait ``seconds`` without blocking the event loop (AsyncRunner)."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic``, ``time.sleep`` and ``asyncio.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    async def sleep_async(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


_SYSTEM_CLOCK = SystemClock()
_CLOCK: ContextVar[RetryClock | None] = ContextVar("hypergraph_retry_clock", default=None)
_jitter_rng = random.Random()  # private: a user's random.seed() must not synchronise retries

_ClockT = TypeVar("_ClockT", bound=RetryClock)


@contextmanager
def retry_clock(clock: _ClockT) -> Iterator[_ClockT]:
    """Use ``clock`` for the retry delays of runs started inside the block (tests)."""
    token = _CLOCK.set(clock)
    try:
        yield clock
    finally:
        _CLOCK.reset(token)


def after_failure(
    policy: RetryPolicy | None,
    node_name: str,
    attempt: int,
    elapsed: float,
    error: Exception,
    rand: float,
) -> float | Exception:
    """What to do after attempt ``attempt`` of ``node_name`` failed with ``error``.

    Args:
        policy: The node's policy (``None``: a timeout alone, never retried).
        attempt: The failed attempt's number (1 for the first).
        elapsed: Seconds since the first attempt started.
        rand: A number in ``[0, 1)`` scaling the backoff when the policy's jitter is ``"full"``.

    Returns:
        The delay in seconds before the next attempt, or the exception the node fails with:
        ``error`` itself when it is not retryable or no attempt is left, a
        ``RetryWindowExpiredError`` (caused by ``error``) when the next attempt would start
        after the policy's ``retry_window``.
    """
    if policy is None or attempt >= policy.max_attempts or not policy.is_retryable(error):
        return error
    if isinstance(error, RetryAfterError):
        delay = error.retry_after
    else:
        delay = policy.backoff(attempt)
        if policy.jitter == "full":
            delay *= rand
    window = policy.retry_window
    if window is not None and elapsed + delay >= window:
        expired = RetryWindowExpiredError(
            f"Node '{node_name}' gave up after {attempt} attempt(s): its retry_window of "
            f"{window:g}s ran out (the next attempt would have started {elapsed + delay:.3g}s "
            f"after the first). The last attempt raised {type(error).__name__}: {error}. "
            "Widen retry_window, or fix what makes the node fail.",
            node_name=node_name,
            attempts=attempt,
            retry_window=window,
        )
        expired.__cause__ = error
        return expired
    return delay


class Attempts:
    """The attempts of one guarded node call (see the module docstring).

    A driver's attempt function calls :meth:`begin` right before the node body runs (after
    taking any concurrency slot); the loops call :meth:`failed` and :meth:`succeeded`.
    """

    __slots__ = ("call", "policy", "timeout", "clock", "number", "first_started", "delay", "span")

    def __init__(self, call: Any) -> None:
        plan = call.plan
        self.call = call
        self.policy: RetryPolicy | None = plan.retry
        self.timeout: float | None = plan.timeout
        self.clock = _CLOCK.get() or _SYSTEM_CLOCK
        self.number = 0
        self.first_started = 0.0
        self.delay = 0.0  # waited before the current attempt
        self.span: Any = None  # the current attempt's span (events on)
        call.attempts = []  # (number, error, delay) of each attempt, for the step record

    def begin(self) -> None:
        """A new attempt starts now."""
        self.number += 1
        if self.number == 1:
            self.first_started = self.clock.now()
        self.call.attempts.append((self.number, None, self.delay))
        if self.call.ctx.dispatcher is not None:
            self.span = emit_attempt_start(self.call, self.number, self.delay)

    def succeeded(self) -> None:
        """The current attempt returned normally."""
        if self.span is not None:
            emit_attempt_end(self.span, "success")

    def failed(self, error: Exception) -> float:
        """The current attempt raised ``error``: the delay before the next one, or raise."""
        attempts = self.call.attempts
        if attempts and attempts[-1][0] == self.number:
            attempts[-1] = (self.number, f"{type(error).__name__}: {error}", self.delay)
        elapsed = self.clock.now() - self.first_started
        name = self.call.plan.name
        outcome = after_failure(
            self.policy, name, self.number, elapsed, error, _jitter_rng.random()
        )
        if isinstance(outcome, BaseException):
            if self.span is not None:
                emit_attempt_end(self.span, "failure", error)
            raise outcome
        if self.span is not None:
            emit_attempt_end(self.span, "retry", error, outcome)
        self.delay = outcome
        return outcome

    async def within_timeout(self, body: Coroutine[Any, Any, T]) -> T:
        """Await ``body``; cancel it and raise ``AttemptTimeoutError`` past the timeout."""
        timeout = self.timeout
        if timeout is None:
            return await body
        task = asyncio.ensure_future(body)
        try:
            done, _ = await asyncio.wait({task}, timeout=timeout)
        except BaseException:  # cancelled from outside: do not leave the body running
            task.cancel()
            await asyncio.wait({task})
            raise
        if task in done:
            return task.result()
        task.cancel()
        await asyncio.wait({task})  # the body has stopped when the error is raised
        if not task.cancelled():
            task.exception()  # finished or failed while being cancelled: too late either way
        name = self.call.plan.name
        raise AttemptTimeoutError(
            f"Node '{name}' attempt {self.number} did not finish within timeout={timeout:g}s "
            "and was cancelled. Raise the node's timeout, or list AttemptTimeoutError in its "
            "RetryPolicy(retry_on=[...]) to try again.",
            node_name=name,
            timeout=timeout,
            attempt=self.number,
        )


def call_with_retries(call: Any, attempt: Callable[[Attempts], T]) -> T:
    """Run ``attempt`` until it succeeds or the policy gives up (sleeps block; SyncRunner)."""
    attempts = Attempts(call)
    while True:
        try:
            raw = attempt(attempts)
        except Exception as exc:
            delay = attempts.failed(exc)  # raises the node's final error
        else:
            attempts.succeeded()
            return raw
        attempts.clock.sleep(delay)


async def call_with_retries_async(call: Any, attempt: Callable[[Attempts], Awaitable[T]]) -> T:
    """:func:`call_with_retries` for AsyncRunner: the delay is awaited, holding no slot."""
    attempts = Attempts(call)
    while True:
        try:
            raw = await attempt(attempts)
        except Exception as exc:
            delay = attempts.failed(exc)
        else:
            attempts.succeeded()
            return raw
        await attempts.clock.sleep_async(delay)
