"""Seed 003's flip signals, checked against the catalog.

Signals that would flip "stay with the API": an open-weights model at frontier parity
(78%+ SWE-bench Verified), a model of at most 32B parameters at ~70, a machine with 1 TB+
of memory under $10K, and API prices rising more than 2x without better capability.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fulcrum.catalog import Catalog, PriceCard

PARITY_SCORE = 78.0
SMALL_PARAMS_B = 32.0
SMALL_SCORE = 70.0
BIG_MEMORY_GB = 1024.0
BIG_MEMORY_PRICE = Decimal(10_000)
PRICE_RISE = Decimal(2)


@dataclass(frozen=True, slots=True)
class Signal:
    id: str
    text: str
    met: bool
    evidence: str

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "text": self.text, "met": self.met, "evidence": self.evidence}


def _models(catalog: Catalog, small: bool) -> list[str]:
    found = []
    for spec in catalog.models.values():
        score = spec.swe_bench_verified
        if not spec.open_weights or score is None:
            continue
        if small:
            ok = spec.total_params_b is not None and spec.total_params_b <= SMALL_PARAMS_B
            if ok and score >= SMALL_SCORE:
                found.append(
                    f"{spec.id} ({score:g}%, {spec.total_params_b:g}B, {spec.swe_bench_date})"
                )
        elif score >= PARITY_SCORE:
            found.append(f"{spec.id} ({score:g}%, {spec.swe_bench_date})")
    return found


def _best_small(catalog: Catalog) -> str:
    small = [
        s
        for s in catalog.models.values()
        if s.open_weights
        and s.swe_bench_verified is not None
        and s.total_params_b is not None
        and s.total_params_b <= SMALL_PARAMS_B
    ]
    if not small:
        return "no open model of <= 32B with a score in the catalog"
    best = max(small, key=lambda s: s.swe_bench_verified or 0.0)
    return f"best is {best.id} at {best.swe_bench_verified:g}% ({best.swe_bench_date})"


def _price_signal(
    card: PriceCard | None, ref_in: Decimal | None, ref_out: Decimal | None
) -> Signal:
    text = "API prices up more than 2x without a capability gain"
    if card is None:
        return Signal("api-price-2x", text, False, "no price card for the API model")
    if not ref_in or not ref_out:  # none recorded, or a price of 0: no ratio to a rise
        evidence = (
            f"no reference price in the scenario; today {card.model} is ${card.input}/"
            f"${card.output} per Mtok ({card.source}, {card.as_of}): record it for next time"
        )
        return Signal("api-price-2x", text, False, evidence)
    ratio = max(card.input / ref_in, card.output / ref_out)
    evidence = (
        f"{card.model} now ${card.input}/${card.output} vs reference ${ref_in}/${ref_out} "
        f"(x{ratio:.2f})"
    )
    return Signal("api-price-2x", text, ratio > PRICE_RISE, evidence)


def check_signals(
    catalog: Catalog,
    card: PriceCard | None,
    ref_input: Decimal | None = None,
    ref_output: Decimal | None = None,
) -> list[Signal]:
    parity = _models(catalog, small=False)
    small = _models(catalog, small=True)
    big = [
        f"{t.id} ({t.memory_gb:g} GB, ${t.price_usd})"
        for t in catalog.hardware.values()
        if t.memory_gb >= BIG_MEMORY_GB
        and t.price_usd is not None
        and t.price_usd < BIG_MEMORY_PRICE
    ]
    return [
        Signal(
            "open-model-parity",
            "an open-weights model at 78%+ SWE-bench Verified (verify on your own specs)",
            bool(parity),
            "; ".join(parity) or "none in the catalog",
        ),
        Signal(
            "small-model-70",
            "a model of <= 32B parameters at ~70 SWE-bench Verified (fits a $2K Mac mini)",
            bool(small),
            "; ".join(small) or _best_small(catalog),
        ),
        Signal(
            "tb-memory-under-10k",
            "a machine with 1 TB+ unified memory under $10K",
            bool(big),
            "; ".join(big) or "none in the catalog",
        ),
        _price_signal(card, ref_input, ref_output),
    ]
