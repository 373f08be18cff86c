"""A call's row: its time to first token and decode speed, streamed or whole."""

from __future__ import annotations

import pytest

from fulcrum.gateway.metering import Call
from fulcrum.wire.usage import TokenUsage


def timed(*, stream: bool, generation_ms: float | None = None, output: int = 90) -> Call:
    """A call that started at 10 s, had its first byte at 11 s and ended at 11.5 s."""
    call = Call(endpoint="/v1/chat/completions", started=10.0, stream=stream)
    call.first_byte_at, call.ended = 11.0, 11.5
    call.usage = TokenUsage(input_tokens=20, output_tokens=output)
    call.generation_ms = generation_ms
    return call


def test_a_stream_is_timed_from_its_first_byte() -> None:
    row = timed(stream=True).row()
    assert row.ttft_ms == pytest.approx(1000.0)
    assert row.decode_tps == pytest.approx(180.0)  # 90 tokens in the last half second


def test_a_whole_answer_is_timed_by_the_generation_its_server_reports() -> None:
    row = timed(stream=False, generation_ms=600.0).row()
    assert row.ttft_ms == pytest.approx(400.0)  # the answer at 1 s, 0.6 s of it generating
    assert row.decode_tps == pytest.approx(150.0)  # 90 tokens in 0.6 s
    assert row.duration_ms == pytest.approx(1500.0)


def test_a_whole_answer_whose_server_says_nothing_has_no_speeds() -> None:
    row = timed(stream=False).row()
    assert (row.ttft_ms, row.decode_tps) == (None, None)


def test_speeds_stay_sane_at_the_edges() -> None:
    apart = timed(stream=False, generation_ms=1500.0).row()  # clocks apart
    assert apart.ttft_ms == 0.0 and apart.decode_tps == pytest.approx(60.0)
    empty = timed(stream=False, generation_ms=0.0, output=0).row()
    assert empty.ttft_ms == pytest.approx(1000.0) and empty.decode_tps is None
