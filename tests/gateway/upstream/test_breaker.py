"""The circuit breaker and the back-off rule, on their own."""

from __future__ import annotations

import time

import pytest

from fulcrum.gateway.config import BreakerPolicy, RetryPolicy
from fulcrum.gateway.upstream.breaker import CircuitBreaker, State, backoff_delay, parse_retry_after


def test_opens_after_n_failures_then_lets_one_probe_through() -> None:
    breaker = CircuitBreaker(BreakerPolicy(failures=2, reset_s=0.05))
    breaker.failure()
    assert breaker.allow() and breaker.state is State.CLOSED
    breaker.failure()
    assert breaker.state is State.OPEN and not breaker.allow()
    time.sleep(0.06)
    assert breaker.state is State.HALF_OPEN
    assert breaker.allow() and not breaker.allow()  # exactly one probe
    breaker.failure()  # the probe failed: open again
    assert breaker.state is State.OPEN
    time.sleep(0.06)
    assert breaker.allow()
    breaker.success()
    assert breaker.state is State.CLOSED and breaker.allow()


def test_a_probe_that_never_reports_is_replaced() -> None:
    breaker = CircuitBreaker(BreakerPolicy(failures=1, reset_s=0.05))
    breaker.failure()
    time.sleep(0.06)
    assert breaker.allow()  # the probe goes out and is never heard of again
    assert not breaker.allow()
    time.sleep(0.06)
    assert breaker.allow()


def test_backoff_is_jittered_doubling_and_capped() -> None:
    policy = RetryPolicy(backoff_s=0.1, backoff_max_s=0.3, retry_after_cap_s=2.0)
    for attempt, base in ((1, 0.1), (2, 0.2), (3, 0.3), (6, 0.3)):
        delay = backoff_delay(policy, attempt, None)
        assert delay is not None and base / 2 <= delay <= base
    assert backoff_delay(policy, 1, 1.5) == 1.5  # retry-after honoured
    assert backoff_delay(policy, 1, 30.0) is None  # beyond the cap: move on


@pytest.mark.parametrize(
    ("value", "expected"), [("2", 2.0), ("0.5", 0.5), ("-1", 0.0), ("soon", None), (None, None)]
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected
