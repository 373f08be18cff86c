"""The probe's plan and its execution: warm-up, prefill sweep, decode, concurrency sweep.

Warm-up requests are sent and discarded; every other request becomes a :class:`Sample`.
Prompts are seeded (``seed``), so two runs send the same text; the warm-up's usage
sets the tokens per word, so prompt lengths are in the server's tokens. Concurrency levels are
closed loops: ``c`` workers each send ``rounds`` requests back to back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from fulcrum.probe.client import Sample, Target, make_prompt, stream_once

Progress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class Plan:
    max_prompt_tokens: int = 4096
    prompt_steps: int = 4
    prompt_tokens: int = 512
    output_tokens: int = 64
    prefill_output_tokens: int = 2
    max_concurrency: int = 8
    repeats: int = 3
    rounds: int = 3
    warmup: int = 2
    seed: int = 0
    timeout_s: float = 600.0

    def prompt_lengths(self) -> list[int]:
        """``prompt_steps`` lengths halving down from ``max_prompt_tokens``."""
        out = {max(16, self.max_prompt_tokens >> i) for i in range(self.prompt_steps)}
        return sorted(out)

    def levels(self) -> list[int]:
        out, c = [], 1
        while c < self.max_concurrency:
            out.append(c)
            c *= 2
        return [*out, self.max_concurrency]

    def total_requests(self) -> int:
        conc = sum(c * self.rounds for c in self.levels())
        return self.warmup + self.repeats * (len(self.prompt_lengths()) + 1) + conc


def _noop(_phase: str, _n: int) -> None:
    return None


class Prober:
    """Runs a :class:`Plan` against a :class:`Target`; ``progress(phase, done)`` per request."""

    def __init__(self, target: Target, plan: Plan, progress: Progress = _noop) -> None:
        self.target, self.plan, self.progress = target, plan, progress
        self.done = 0
        self._seed = plan.seed
        self._tokens_per_word = 1.0

    def _prompt(self, tokens: int) -> str:
        self._seed += 1
        return make_prompt(round(tokens / self._tokens_per_word), self._seed)

    async def _one(
        self, session: aiohttp.ClientSession, phase: str, conc: int, tokens: int, out: int
    ) -> Sample:
        sample = await stream_once(
            session, self.target, self._prompt(tokens), out, (phase, conc, tokens)
        )
        self.done += 1
        self.progress(phase, self.done)
        return sample

    async def run(self) -> list[Sample]:
        p = self.plan
        # A fresh connection per request: llama-server drops kept-alive ones after a stream.
        limit = aiohttp.TCPConnector(limit=max(p.levels()) + 2, force_close=True)
        timeout = aiohttp.ClientTimeout(total=p.timeout_s)
        samples: list[Sample] = []
        async with aiohttp.ClientSession(connector=limit, timeout=timeout) as session:
            for _ in range(p.warmup):
                words = round(64 / self._tokens_per_word)
                w = await self._one(session, "warmup", 1, 64, p.prefill_output_tokens)
                self._tokens_per_word = max(1.0, w.prompt_tokens / words)
            for length in p.prompt_lengths():
                for _ in range(p.repeats):
                    samples.append(
                        await self._one(session, "prefill", 1, length, p.prefill_output_tokens)
                    )
            for _ in range(p.repeats):
                samples.append(await self._one(session, "decode", 1, 32, p.output_tokens))
            for c in p.levels():
                samples.extend(await self._level(session, c))
        return samples

    async def _level(self, session: aiohttp.ClientSession, c: int) -> list[Sample]:
        p = self.plan

        async def worker() -> list[Sample]:
            return [
                await self._one(session, "concurrency", c, p.prompt_tokens, p.output_tokens)
                for _ in range(p.rounds)
            ]

        loop = asyncio.get_running_loop()
        start = loop.time()
        groups = await asyncio.gather(*(worker() for _ in range(c)))
        wall = loop.time() - start
        out = [s for g in groups for s in g]
        for s in out:
            s.level_wall_s = wall
        return out
