"""How much of the local machine each call used: a processor-sharing clock.

A local server runs the calls in flight at once (llama.cpp slots, vLLM batches), so charging
each call its whole wall-clock time bills the machine several times over. The clock advances
by ``dt / n`` while ``n`` local calls are in flight; a call's share of the machine is the
clock's advance between its start and its end. The shares of all calls add up to the time
the machine was busy. Two float operations per call start and end, on the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class ShareClock:
    def __init__(self, now: Callable[[], float] = time.perf_counter) -> None:
        self._now = now
        self._value = 0.0  # seconds of machine time per call slot, since the start
        self._in_flight = 0
        self._at = now()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _advance(self) -> float:
        now = self._now()
        if self._in_flight:
            self._value += (now - self._at) / self._in_flight
        self._at = now
        return self._value

    def enter(self) -> float:
        """A call started; returns the token to pass to :meth:`leave`."""
        token = self._advance()
        self._in_flight += 1
        return token

    def leave(self, token: float) -> float:
        """The call that got ``token`` ended; returns its share of the machine, in seconds."""
        share = self._advance() - token
        self._in_flight = max(self._in_flight - 1, 0)
        return share
