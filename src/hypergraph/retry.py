"""``RetryPolicy``: how often, on which errors and how long apart a node is tried again.

A policy is a plain, immutable, picklable value: attach it to a node with
``@node(..., retry=RetryPolicy(...))`` and every runner (SyncRunner, AsyncRunner, DaskRunner,
nested graphs and map items included) follows it. The retry loop itself lives in
``runners/loop/retry.py``; this module only describes the policy and answers two questions
about it: *is this error retryable?* and *how long is the backoff after attempt N?*
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from hypergraph.exceptions import RetryAfterError

__all__ = ["RetryPolicy"]

Jitter = Literal["full", "none"]


def _number(owner: str, name: str, value: object, *, minimum: float, strict: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}.")
    ok = value > minimum if strict else value >= minimum
    if not ok:
        bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
        raise ValueError(f"{owner}: {name} must be {bound}, got {value!r}.")
    return float(value)


class RetryPolicy:
    """Retry a failing node: up to ``max_attempts`` tries, on the listed exceptions only.

    Args:
        max_attempts: Total number of attempts, the first one included (1 = never retry).
        retry_on: The exception types worth another attempt; required, so nothing is retried
            by accident. Subclasses match. A node's ``RetryAfterError`` matches when it, or the
            error it wraps, is of a listed type; a timed-out attempt raises
            ``AttemptTimeoutError`` (a ``TimeoutError``).
        retry_window: Seconds, counted from the first attempt's start, after which no new
            attempt starts: the node then fails with ``RetryWindowExpiredError`` whose cause is
            the last attempt's exception. ``None``: no limit besides ``max_attempts``.
        initial_delay: Backoff before the second attempt, in seconds.
        backoff_multiplier: Each further backoff is this many times the previous one.
        max_delay: Upper bound of one backoff.
        jitter: ``"full"`` waits a random time between 0 and the backoff (spreads retries of
            many items that failed together); ``"none"`` waits the backoff exactly.

    The backoff after attempt ``n`` is ``min(max_delay, initial_delay * backoff_multiplier **
    (n - 1))``. A ``RetryAfterError`` replaces it by its own ``retry_after``.

    Example:
        >>> from hypergraph import RetryPolicy, node
        >>> @node(output_name="page", retry=RetryPolicy(3, retry_on=[ConnectionError]))
        ... def fetch(url: str) -> str:
        ...     return "<html>"
        >>> fetch.retry.max_attempts
        3
    """

    __slots__ = (
        "max_attempts",
        "retry_on",
        "retry_window",
        "initial_delay",
        "backoff_multiplier",
        "max_delay",
        "jitter",
    )

    max_attempts: int
    retry_on: tuple[type[Exception], ...]
    retry_window: float | None
    initial_delay: float
    backoff_multiplier: float
    max_delay: float
    jitter: Jitter

    def __init__(
        self,
        max_attempts: int,
        retry_on: Sequence[type[Exception]],
        retry_window: float | None = None,
        initial_delay: float = 1.0,
        backoff_multiplier: float = 2.0,
        max_delay: float = 60.0,
        jitter: Jitter = "full",
    ) -> None:
        owner = "RetryPolicy"
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int):
            raise TypeError(f"{owner}: max_attempts must be an int, got {max_attempts!r}.")
        if max_attempts < 1:
            raise ValueError(
                f"{owner}: max_attempts counts every attempt, the first included, so it must "
                f"be at least 1, got {max_attempts}."
            )
        set_attr = object.__setattr__
        set_attr(self, "max_attempts", max_attempts)
        set_attr(self, "retry_on", _exception_types(retry_on))
        set_attr(
            self,
            "retry_window",
            None
            if retry_window is None
            else _number(owner, "retry_window", retry_window, minimum=0, strict=True),
        )
        set_attr(
            self,
            "initial_delay",
            _number(owner, "initial_delay", initial_delay, minimum=0, strict=False),
        )
        set_attr(
            self,
            "backoff_multiplier",
            _number(owner, "backoff_multiplier", backoff_multiplier, minimum=1, strict=False),
        )
        set_attr(self, "max_delay", _number(owner, "max_delay", max_delay, minimum=0, strict=False))
        if jitter not in ("full", "none"):
            raise ValueError(f"{owner}: jitter must be 'full' or 'none', got {jitter!r}.")
        set_attr(self, "jitter", jitter)

    def is_retryable(self, error: BaseException) -> bool:
        """Whether ``error`` is of a listed type (for ``RetryAfterError``: it or its error)."""
        retry_on = self.retry_on
        if isinstance(error, retry_on):
            return True
        return isinstance(error, RetryAfterError) and isinstance(error.error, retry_on)

    def backoff(self, attempt: int) -> float:
        """The backoff (before jitter) after failed attempt number ``attempt`` (1-based)."""
        if self.initial_delay == 0:
            return 0.0
        exponent = attempt - 1
        # Stop multiplying once past max_delay: large exponents would overflow a float.
        delay = self.initial_delay
        for _ in range(exponent):
            delay *= self.backoff_multiplier
            if delay >= self.max_delay:
                return self.max_delay
        return min(delay, self.max_delay)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"RetryPolicy is immutable: cannot set '{name}'.")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RetryPolicy):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __reduce__(self) -> tuple[object, ...]:
        return (RetryPolicy, self._key())

    def __repr__(self) -> str:
        names = ", ".join(t.__name__ for t in self.retry_on)
        return (
            f"RetryPolicy(max_attempts={self.max_attempts}, retry_on=[{names}], "
            f"retry_window={self.retry_window!r}, initial_delay={self.initial_delay!r}, "
            f"backoff_multiplier={self.backoff_multiplier!r}, max_delay={self.max_delay!r}, "
            f"jitter={self.jitter!r})"
        )


def _exception_types(retry_on: object) -> tuple[type[Exception], ...]:
    """``retry_on`` checked: a non-empty list (or tuple) of ``Exception`` subclasses."""
    if isinstance(retry_on, type) or not isinstance(retry_on, (list, tuple)):
        raise TypeError(
            f"RetryPolicy: retry_on must be a list of exception types, got {retry_on!r}. "
            "Example: retry_on=[ConnectionError, TimeoutError]."
        )
    if not retry_on:
        raise ValueError(
            "RetryPolicy: retry_on is empty, so no error would ever be retried. List the "
            "exception types worth another attempt, e.g. retry_on=[ConnectionError]."
        )
    for item in retry_on:
        if not (isinstance(item, type) and issubclass(item, Exception)):
            raise TypeError(
                f"RetryPolicy: retry_on must hold Exception subclasses, got {item!r}. "
                "(KeyboardInterrupt and other BaseExceptions are never retried.)"
            )
    return tuple(retry_on)
