"""The provider batches a fake upstream holds (Anthropic Message Batches, OpenAI Batch).

A created batch is ``in_progress`` until the test says otherwise: it ends by itself after
``end_after_polls`` retrieves of it (a poll count, so no test sleeps on a wall clock), or at
once with :meth:`BatchBook.end_all`. When it ends, every request is answered from the fake's
normal script, in order: a :class:`~fulcrum.fakes.script.Reply` (or tool call) succeeds, a
:class:`~fulcrum.fakes.script.Fail` errors with the provider's error body and a
:class:`~fulcrum.fakes.script.Hang` never ran before the window closed, so it ``expired``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fulcrum.fakes.script import Entry, Fail, Hang, Script

__all__ = ["Answered", "BatchBook", "FakeBatch"]

NEVER = 10**9


@dataclass(frozen=True, slots=True)
class Answered:
    """One request of an ended batch."""

    custom_id: str
    kind: str  # "succeeded" | "errored" | "expired"
    status: int | None  # the HTTP status the request would have had (None: expired)
    body: bytes  # the message / completion, or the provider's error body ("" when expired)


@dataclass(slots=True)
class FakeBatch:
    id: str
    created_at: float
    requests: list[tuple[str, dict[str, Any]]]  # (custom_id, the request body)
    polls_left: int
    extra: dict[str, Any] = field(default_factory=dict)  # provider fields (input file, ...)
    ended_at: float | None = None
    results: list[Answered] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def count(self, kind: str) -> int:
        return sum(1 for r in self.results if r.kind == kind)


# What a provider renders for one scripted entry: (kind, status, body).
Render = Callable[[Entry, dict[str, Any]], tuple[str, int | None, bytes]]


class BatchBook:
    """Thread-safe: tests read and end batches from their thread, the fake's loop serves."""

    def __init__(self, script: Script, render: Render) -> None:
        self.script = script
        self.render = render
        self.end_after_polls = 1  # retrieves answered in_progress before the batch ends
        self.batches: dict[str, FakeBatch] = {}
        self.created: list[str] = []  # every batch id, in creation order
        self._lock = threading.Lock()

    def add(
        self, batch_id: str, requests: list[tuple[str, dict[str, Any]]], **extra: Any
    ) -> FakeBatch:
        batch = FakeBatch(batch_id, time.time(), requests, self.end_after_polls, dict(extra))
        with self._lock:
            self.batches[batch_id] = batch
            self.created.append(batch_id)
        return batch

    def get(self, batch_id: str) -> FakeBatch | None:
        return self.batches.get(batch_id)

    def poll(self, batch_id: str) -> FakeBatch | None:
        """A retrieve: counts towards the batch's end."""
        batch = self.batches.get(batch_id)
        if batch is None or batch.ended:
            return batch
        with self._lock:
            batch.polls_left -= 1
            if batch.polls_left < 0:
                self._end(batch)
        return batch

    def end_all(self) -> None:
        """End every batch still in progress now (the test's clock)."""
        with self._lock:
            for batch in self.batches.values():
                if not batch.ended:
                    self._end(batch)

    def hold(self) -> None:
        """New batches stay in progress until :meth:`end_all`."""
        self.end_after_polls = NEVER

    def _end(self, batch: FakeBatch) -> None:
        for custom_id, body in batch.requests:
            entry = self.script.take(body)
            if isinstance(entry, Hang):
                batch.results.append(Answered(custom_id, "expired", None, b""))
                continue
            kind, status, rendered = self.render(entry, body)
            if isinstance(entry, Fail):
                kind = "errored"
            batch.results.append(Answered(custom_id, kind, status, rendered))
        batch.ended_at = time.time()
