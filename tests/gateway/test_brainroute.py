"""The brain's samples of the local latency SLO, taken from answers."""

from __future__ import annotations

import json
from typing import Any

from fulcrum.gateway.brainroute import observe_answer, observe_first_byte, observe_relayed
from fulcrum.gateway.metering import Call
from fulcrum.gateway.upstream.tries import Opened
from fulcrum.routing.router import RouteTarget


class Recorder:
    """Stands in for the brain: the samples it was given."""

    def __init__(self) -> None:
        self.samples: list[tuple[str, float]] = []

    def observe_local(self, backend: str, ttft_ms: float) -> None:
        self.samples.append((backend, ttft_ms))


def opened(body: Any, *, kind: str = "local", status: int = 200) -> Opened:
    """An answer that took one second from its chain's start."""
    target = RouteTarget("llama", "qwen", kind, None, None)  # type: ignore[arg-type]
    first = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Opened(backend=None, target=target, status=status, response=None, first=first,  # type: ignore[arg-type]
                  started=10.0, first_byte_at=11.0, attempts=1)  # fmt: skip


def test_a_whole_answer_is_timed_without_its_generation() -> None:
    brain = Recorder()
    observe_answer(brain, opened(b"{}"), 900.0)  # type: ignore[arg-type]
    assert brain.samples == [("llama", 100.0)]  # the wait and the prompt's reading
    observe_answer(brain, opened(b"{}"), 1500.0)  # type: ignore[arg-type]
    assert brain.samples[-1] == ("llama", 0.0)  # clocks apart: never below nothing


def test_no_sample_without_the_server_s_timings_or_from_elsewhere() -> None:
    brain = Recorder()
    observe_answer(brain, opened(b"{}"), None)  # type: ignore[arg-type]  # a server that says nothing (vLLM)
    observe_answer(brain, opened(b"{}", kind="api"), 900.0)  # type: ignore[arg-type]  # the frontier's
    observe_answer(brain, opened(b"{}", status=500), 900.0)  # type: ignore[arg-type]
    assert brain.samples == []


def test_a_relayed_answer_is_timed_from_what_its_row_parsed() -> None:
    brain, call = Recorder(), Call(endpoint="/v1/chat/completions")
    call.generation_ms = 250.0
    observe_relayed(brain, opened(b"{}"), call)  # type: ignore[arg-type]
    assert brain.samples == [("llama", 750.0)]


def test_a_stream_is_timed_to_its_first_byte() -> None:
    brain = Recorder()
    observe_first_byte(brain, opened(b"data: {}"))  # type: ignore[arg-type]
    observe_first_byte(None, opened(b"data: {}"))  # no brain: nothing to feed
    observe_first_byte(brain, opened(b"data: {}", kind="api"))  # type: ignore[arg-type]
    assert brain.samples == [("llama", 1000.0)]
