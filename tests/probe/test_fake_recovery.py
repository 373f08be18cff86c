"""Against a fake with known speeds, the probe recovers each rate and the goodput knee."""

from __future__ import annotations

import pytest

from fulcrum.probe.client import Target
from fulcrum.probe.run import Plan, Prober
from fulcrum.probe.stats import Slo, summarize
from fulcrum.probe.wire import APIS

from .fake import Speeds, serve

SPEEDS = Speeds(prefill_rate=10_000.0, decode_rate=500.0, slots=2)
PLAN = Plan(
    max_prompt_tokens=2048,
    prompt_tokens=256,
    output_tokens=128,
    max_concurrency=4,
    repeats=4,
    rounds=2,
    warmup=1,
)
SLO = Slo(ttft_s=0.08, min_decode_tps=100.0)


async def test_probe_recovers_rates_and_knee() -> None:
    async with serve(SPEEDS) as url:
        samples = await Prober(Target(url, "fake", APIS["openai"]), PLAN).run()
    result = summarize(samples, SLO)
    assert result["prefill"]["tokens_per_s"] == pytest.approx(SPEEDS.prefill_rate, rel=0.05)
    assert result["decode"]["tokens_per_s"] == pytest.approx(SPEEDS.decode_rate, rel=0.05)
    assert [r["concurrency"] for r in result["concurrency"]] == [1, 2, 4]
    assert result["goodput"] == SPEEDS.slots
    assert all(s.usage_given for s in samples)
    assert len(samples) == PLAN.total_requests() - PLAN.warmup


async def test_anthropic_messages_stream_gives_the_same_rates() -> None:
    plan = Plan(
        max_prompt_tokens=2048, prompt_tokens=256, output_tokens=128, max_concurrency=2, rounds=2
    )
    async with serve(SPEEDS) as url:
        samples = await Prober(Target(url, "fake", APIS["anthropic"]), plan).run()
    result = summarize(samples, SLO)
    assert result["prefill"]["tokens_per_s"] == pytest.approx(SPEEDS.prefill_rate, rel=0.05)
    assert result["decode"]["tokens_per_s"] == pytest.approx(SPEEDS.decode_rate, rel=0.05)
    assert result["goodput"] == 2
    assert all(s.usage_given and s.output_tokens == 128 for s in samples if s.phase == "decode")
