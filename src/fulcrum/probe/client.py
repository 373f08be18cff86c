"""One streamed request, timed: the raw :class:`Sample` every statistic is computed from.

Time to first token is the first event carrying text (a role-only chunk does not count);
token counts come from the stream's usage where given, else from counted text events.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp

from fulcrum.errors import InputError
from fulcrum.probe.wire import ProbeApi

_WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "function",
    "return",
    "value",
    "class",
    "import",
    "module",
    "test",
    "error",
    "list",
    "map",
    "string",
    "number",
    "buffer",
    "stream",
    "token",
    "cache",
    "layer",
    "model",
    "queue",
    "socket",
    "thread",
    "memory",
    "index",
]


def make_prompt(tokens: int, seed: int) -> str:
    """About ``tokens`` tokens of seeded random words (the same seed, the same prompt)."""
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) for _ in range(max(1, tokens)))


@dataclass(slots=True)
class Sample:
    phase: str
    concurrency: int
    target_prompt_tokens: int
    prompt_tokens: int
    output_tokens: int
    ttft_s: float
    total_s: float
    chunk_times_s: list[float] = field(default_factory=list)
    usage_given: bool = False
    level_wall_s: float = 0.0

    @property
    def decode_tps(self) -> float | None:
        """Tokens after the first over the time from first to last text event."""
        if len(self.chunk_times_s) < 2 or self.output_tokens < 2:
            return None
        span = self.chunk_times_s[-1] - self.chunk_times_s[0]
        return (self.output_tokens - 1) / span if span > 0 else None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    model: str
    api: ProbeApi
    key: str = ""


async def stream_once(
    session: aiohttp.ClientSession,
    target: Target,
    prompt: str,
    max_tokens: int,
    meta: tuple[str, int, int],
) -> Sample:
    """Send one streaming request and time every text event; ``meta`` is phase,
    concurrency and target prompt length."""
    api = target.api
    body = api.body(target.model, prompt, max_tokens)
    prompt_n: int | None = None
    out_n: int | None = None
    times: list[float] = []
    start = time.perf_counter()
    url = target.url.rstrip("/") + api.path
    async with session.post(url, json=body, headers=api.headers(target.key)) as resp:
        if resp.status != 200:
            text = (await resp.text())[:200]
            raise InputError(f"{url}: HTTP {resp.status}: {text}")
        if resp.content_type != "text/event-stream":  # a page, or a whole JSON answer
            raise InputError(f"{url}: expected a streamed answer (text/event-stream), "
                             f"got {resp.content_type or 'no content type'}")  # fmt: skip
        async for raw in resp.content:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                continue
            event = api.read(json.loads(line[5:]))
            if event.text:
                times.append(time.perf_counter() - start)
            prompt_n = event.prompt_tokens if event.prompt_tokens is not None else prompt_n
            out_n = event.output_tokens if event.output_tokens is not None else out_n
    total = time.perf_counter() - start
    phase, conc, target_n = meta
    return Sample(
        phase=phase,
        concurrency=conc,
        target_prompt_tokens=target_n,
        prompt_tokens=prompt_n if prompt_n is not None else target_n,
        # usage saying 0 beside text that came is wrong: the text events are counted then
        output_tokens=out_n if out_n else len(times),
        ttft_s=times[0] if times else total,
        total_s=total,
        chunk_times_s=times,
        usage_given=out_n is not None,
    )
