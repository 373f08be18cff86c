"""Local calls that run at once share the machine: each is charged its share, not its span."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from fulcrum.costs.machine import LocalMachine
from fulcrum.fakes import FakeOpenAI, Reply
from fulcrum.gateway.busy import ShareClock
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import running_gateway

from .helpers import HI, post_json


def test_share_clock_splits_overlapping_time() -> None:
    now = [0.0]
    clock = ShareClock(lambda: now[0])
    a = clock.enter()  # t=0: A alone until B joins at t=1
    now[0] = 1.0
    b = clock.enter()
    now[0] = 3.0  # t=1..3: A and B share
    share_a = clock.leave(a)
    now[0] = 4.0  # t=3..4: B alone
    share_b = clock.leave(b)
    assert share_a == pytest.approx(1.0 + 2.0 / 2)
    assert share_b == pytest.approx(2.0 / 2 + 1.0)
    assert share_a + share_b == pytest.approx(4.0)  # the machine was busy 4 s
    assert clock.in_flight == 0
    now[0] = 10.0  # idle time is nobody's
    c = clock.enter()
    now[0] = 10.5
    assert clock.leave(c) == pytest.approx(0.5)


MACHINE = """
[machine]
price_usd = 3000
load_w = 300

[backends.box]
format = "openai"
base_url = "{url}"
kind = "local"
models = ["box-model"]

[routes]
default = "box"
"""


def test_concurrent_local_calls_are_charged_their_share() -> None:
    with FakeOpenAI() as fake:
        fake.default = Reply("shared", first_byte_delay=0.6)
        with running_gateway(MACHINE.format(url=fake.url)) as gw:
            body = {"model": "box-model", "max_tokens": 8, "messages": HI}
            with ThreadPoolExecutor(max_workers=3) as pool:
                codes = list(pool.map(lambda _: post_json(gw, "/v1/chat/completions", body)[0],
                                      range(3)))  # fmt: skip
            assert codes == [200, 200, 200]
            gw.stop()
    rows = open_store(None).rows()
    assert len(rows) == 3
    busy = [r.busy_ms or 0.0 for r in rows]
    spans = [r.duration_ms or 0.0 for r in rows]
    assert all(s >= 600 for s in spans)
    # Three calls overlapping for ~0.6 s: each is charged about a third of its span, and the
    # shares add up to about the time the machine was busy, not three times it.
    assert sum(busy) == pytest.approx(max(spans), rel=0.35)
    assert all(b < 0.7 * s for b, s in zip(busy, spans, strict=True))
    machine = LocalMachine.from_config({"price_usd": 3000, "load_w": 300}, None)
    for row, ms in zip(rows, busy, strict=True):
        assert row.cost_usd == machine.cost(Decimal(str(ms)) / 1000)
