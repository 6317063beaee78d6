"""RetryPolicy: validation, which errors it retries, and the backoff it computes."""

from __future__ import annotations

import pickle

import pytest

from hypergraph import AttemptTimeoutError, RetryAfterError, RetryPolicy


def test_policy_keeps_its_settings_and_defaults():
    policy = RetryPolicy(3, [ValueError])
    assert policy.max_attempts == 3
    assert policy.retry_on == (ValueError,)
    assert policy.retry_window is None
    assert (policy.initial_delay, policy.backoff_multiplier, policy.max_delay) == (1.0, 2.0, 60.0)
    assert policy.jitter == "full"


def test_backoff_grows_by_the_multiplier_up_to_max_delay():
    policy = RetryPolicy(10, [ValueError], initial_delay=0.5, backoff_multiplier=3, max_delay=10)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.5, 4.5, 10.0, 10.0]
    assert policy.backoff(10_000) == 10.0  # no overflow for huge attempt numbers


def test_zero_initial_delay_never_waits():
    assert RetryPolicy(5, [ValueError], initial_delay=0).backoff(4) == 0.0


def test_listed_types_and_their_subclasses_are_retryable_others_not():
    policy = RetryPolicy(2, [OSError])
    assert policy.is_retryable(ConnectionError("reset"))  # a subclass of OSError
    assert not policy.is_retryable(ValueError("bad"))


def test_retry_after_error_matches_by_itself_or_by_the_error_it_wraps():
    wrapped = RetryAfterError(ConnectionError("429"), retry_after=2)
    assert RetryPolicy(2, [ConnectionError]).is_retryable(wrapped)
    assert RetryPolicy(2, [RetryAfterError]).is_retryable(wrapped)
    assert not RetryPolicy(2, [ValueError]).is_retryable(wrapped)


def test_attempt_timeouts_are_timeout_errors():
    assert RetryPolicy(2, [TimeoutError]).is_retryable(AttemptTimeoutError("slow"))


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"max_attempts": 0, "retry_on": [ValueError]}, ValueError, "at least 1"),
        ({"max_attempts": 2.5, "retry_on": [ValueError]}, TypeError, "max_attempts"),
        ({"max_attempts": 2, "retry_on": []}, ValueError, "retry_on is empty"),
        ({"max_attempts": 2, "retry_on": ValueError}, TypeError, "list of exception types"),
        ({"max_attempts": 2, "retry_on": [KeyboardInterrupt]}, TypeError, "Exception subclasses"),
        ({"max_attempts": 2, "retry_on": ["ValueError"]}, TypeError, "Exception subclasses"),
        ({"max_attempts": 2, "retry_on": [ValueError], "jitter": "half"}, ValueError, "jitter"),
        ({"max_attempts": 2, "retry_on": [ValueError], "initial_delay": -1}, ValueError, "initial"),
        ({"max_attempts": 2, "retry_on": [ValueError], "retry_window": 0}, ValueError, "window"),
        (
            {"max_attempts": 2, "retry_on": [ValueError], "backoff_multiplier": 0.5},
            ValueError,
            "backoff_multiplier",
        ),
    ],
)
def test_invalid_settings_are_refused_with_the_setting_named(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        RetryPolicy(**kwargs)


def test_policy_is_an_immutable_picklable_value():
    policy = RetryPolicy(3, [ValueError, KeyError], retry_window=9, jitter="none")
    assert pickle.loads(pickle.dumps(policy)) == policy
    assert hash(policy) == hash(RetryPolicy(3, [ValueError, KeyError], 9, jitter="none"))
    with pytest.raises(AttributeError, match="immutable"):
        policy.max_attempts = 5  # type: ignore[misc]
    assert "max_attempts=3" in repr(policy) and "ValueError, KeyError" in repr(policy)


def test_retry_after_error_keeps_the_error_as_cause_and_checks_the_delay():
    cause = ConnectionError("429 Too Many Requests")
    error = RetryAfterError(cause, retry_after=30)
    assert error.error is cause and error.__cause__ is cause
    assert error.retry_after == 30.0
    assert "retry after 30s" in str(error)
    with pytest.raises(ValueError, match="at least 0"):
        RetryAfterError(cause, retry_after=-1)
