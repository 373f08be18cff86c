"""What the ledger says of a call that ended without an answer: words, never a class name."""

from __future__ import annotations

import asyncio

import pytest

from fulcrum.gateway.proxy import _unfinished


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ConnectionResetError(), "client closed the connection"),
        (asyncio.CancelledError(), "cancelled before the answer (client gone or gateway stopping)"),
        (KeyError("x"), "internal gateway error (see the gateway log)"),
    ],
)
def test_an_unfinished_call_is_described_in_words(exc: BaseException, expected: str) -> None:
    assert _unfinished(exc) == expected
    assert type(exc).__name__ not in _unfinished(exc)
