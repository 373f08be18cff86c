"""Statistics from raw samples: prefill and decode rates, latency percentiles, goodput.

Prefill tokens/s is the inverse slope of a least-squares line of time to first token
against prompt tokens (the intercept is the fixed per-request overhead), fitted on the
per-length medians. Decode tokens/s is the median over single requests. A concurrency
level meets the SLO when at least ``share`` of its requests have a time to first token
within ``ttft_s`` and a decode rate of at least ``min_decode_tps``; goodput is the
highest level such that it and every level below it meet the SLO (0: none does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fulcrum.probe.client import Sample


@dataclass(frozen=True, slots=True)
class Slo:
    ttft_s: float = 2.0
    min_decode_tps: float = 10.0
    share: float = 0.9

    def met(self, s: Sample) -> bool:
        """Within the time to first token and at least the decode rate; a request that
        streamed no text meets neither (its rate is unknown only when one token came)."""
        if not s.chunk_times_s:
            return False
        tps = s.decode_tps
        decode_ok = tps is None or tps >= self.min_decode_tps
        return s.ttft_s <= self.ttft_s and decode_ok


def pct(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p90": None, "p99": None}
    arr = np.asarray(values, dtype=float)
    return {k: float(np.percentile(arr, q)) for k, q in (("p50", 50), ("p90", 90), ("p99", 99))}


def prefill(samples: list[Sample]) -> dict[str, Any]:
    rows = [s for s in samples if s.phase == "prefill"]
    by_len: dict[int, list[Sample]] = {}
    for s in rows:
        by_len.setdefault(s.target_prompt_tokens, []).append(s)
    points: list[dict[str, Any]] = []
    for length in sorted(by_len):
        group = by_len[length]
        points.append(
            {
                "prompt_tokens": int(np.median([s.prompt_tokens for s in group])),
                "ttft_s": float(np.median([s.ttft_s for s in group])),
            }
        )
    rate = None
    overhead = None
    if len({p["prompt_tokens"] for p in points}) >= 2:  # a line needs two lengths
        x = np.asarray([p["prompt_tokens"] for p in points], dtype=float)
        y = np.asarray([p["ttft_s"] for p in points], dtype=float)
        slope, intercept = np.polyfit(x, y, 1)
        rate = float(1.0 / slope) if slope > 0 else None
        overhead = float(intercept)
    for p in points:
        p["tokens_per_s"] = p["prompt_tokens"] / p["ttft_s"] if p["ttft_s"] > 0 else None
    return {"tokens_per_s": rate, "overhead_s": overhead, "points": points}


def decode(samples: list[Sample]) -> dict[str, Any]:
    rows = [s for s in samples if s.phase == "decode"]
    rates = [r for r in (s.decode_tps for s in rows) if r is not None]
    gaps = [b - a for s in rows for a, b in zip(s.chunk_times_s, s.chunk_times_s[1:], strict=False)]
    return {
        "tokens_per_s": float(np.median(rates)) if rates else None,
        "inter_token_s": pct(gaps),
    }


def levels(samples: list[Sample], slo: Slo) -> list[dict[str, Any]]:
    by_c: dict[int, list[Sample]] = {}
    for s in samples:
        if s.phase == "concurrency":
            by_c.setdefault(s.concurrency, []).append(s)
    out = []
    for c in sorted(by_c):
        group = by_c[c]
        wall = max(s.level_wall_s for s in group)
        tokens = sum(s.output_tokens for s in group)
        met = sum(slo.met(s) for s in group) / len(group)
        out.append(
            {
                "concurrency": c,
                "requests": len(group),
                "aggregate_tokens_per_s": tokens / wall if wall > 0 else None,
                "ttft_s": pct([s.ttft_s for s in group]),
                "latency_s": pct([s.total_s for s in group]),
                "slo_met_share": met,
                "meets_slo": met >= slo.share,
            }
        )
    return out


def goodput(rows: list[dict[str, Any]]) -> int:
    best = 0
    for row in rows:
        if not row["meets_slo"]:
            break
        best = row["concurrency"]
    return best


def summarize(samples: list[Sample], slo: Slo) -> dict[str, Any]:
    conc = levels(samples, slo)
    return {
        "prefill": prefill(samples),
        "decode": decode(samples),
        "concurrency": conc,
        "goodput": goodput(conc),
        "slo": {"ttft_s": slo.ttft_s, "min_decode_tps": slo.min_decode_tps, "share": slo.share},
    }
