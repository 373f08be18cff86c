"""A call's row: its time to first token and decode speed, streamed or whole; and a finished
call leaves no garbage behind."""

from __future__ import annotations

import gc
import time

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.gateway.metering import Call
from fulcrum.testing.gateway import running_gateway
from fulcrum.wire.usage import TokenUsage

from .brain.helpers import ask, brain_config, ledger_rows, user


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


def test_a_whole_answer_is_read_for_its_usage_and_generation_when_the_row_is_built() -> None:
    call = timed(stream=False)
    call.usage = None
    reads: list[int] = []

    def answer() -> tuple[TokenUsage, float | None]:
        reads.append(1)
        return TokenUsage(input_tokens=20, output_tokens=90), 600.0

    call.answer_fn = answer
    assert reads == []  # nothing read on the request path
    row = call.row()
    assert reads == [1] and (row.output_tokens, call.generation_ms) == (90, 600.0)
    assert row.ttft_ms == pytest.approx(400.0) and row.decode_tps == pytest.approx(150.0)


def test_finished_calls_leave_no_reference_cycles(
    fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    """A call's deferred work (its answer's usage, the SLO's sample) holds no reference to the
    call itself: with such a cycle every finished call waited for the garbage collector (about
    20 objects a call), which then ran half again as often under the brain's bench load."""
    config = brain_config(fake_anthropic.url, fake_openai.url, '[policy]\notherwise = "local"\n')
    with running_gateway(config) as gw:
        assert ask(gw, "warm", user("hi"))[0] == 200
        wait_rows(1)
        gc.collect()
        gc.disable()  # from here, only reference counts free what a call leaves
        try:
            for n in range(CALLS):  # whole answers from a local backend, as the brain routes them
                assert ask(gw, f"s{n}", user("hi"))[0] == 200
            wait_rows(CALLS + 1)
            time.sleep(0.2)  # the last row's after-call work
            alive = [o for o in gc.get_objects() if isinstance(o, Call)]
        finally:
            gc.enable()
    assert alive == []


CALLS = 20


def wait_rows(n: int) -> None:
    deadline = time.monotonic() + 10
    while len(ledger_rows()) < n:
        assert time.monotonic() < deadline
        time.sleep(0.05)
