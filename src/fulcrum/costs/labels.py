"""What each input of a decision rests on: measured (source, window, date) or assumed."""

from __future__ import annotations

from dataclasses import dataclass

from fulcrum.costs.scenario import Scenario

MEASURED, ASSUMED = "measured", "assumed"


@dataclass(frozen=True, slots=True)
class InputLabel:
    """One input of the decision and where its value comes from."""

    name: str
    basis: str  # MEASURED or ASSUMED
    value: str
    source: str
    window: str | None = None
    date: str | None = None

    def line(self) -> str:
        where = ", ".join(x for x in (self.source, self.window, self.date) if x)
        return f"{self.name}: {self.basis} ({where}): {self.value}"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "basis": self.basis,
            "value": self.value,
            "source": self.source,
            "window": self.window,
            "date": self.date,
        }


def assumed_usage(sc: Scenario) -> InputLabel:
    api = sc.api
    if api.plan is not None:
        value = f"plan {api.plan} x {api.agents} agents"
    elif api.monthly_usd is not None:
        value = f"${api.monthly_usd:,}/month per agent x {api.agents} agents"
    else:
        value = (
            f"{api.input_tokens:,} in / {api.output_tokens:,} out / {api.cache_write_tokens:,} "
            f"cache write / {api.cache_read_tokens:,} cache read tokens per agent-day on "
            f"{api.model}, {api.agents} agents"
        )
    return InputLabel("usage", ASSUMED, value, f"scenario {sc.path} [api]")


def assumed_speeds(sc: Scenario, measured: set[str]) -> list[InputLabel]:
    """The local options whose speed comes from the throughput model, not a probe."""
    return [
        InputLabel(
            f"speed of {o.name}",
            ASSUMED,
            "the throughput model's decode and prefill rates",
            f"catalog {o.tier.id if o.tier else '?'} + {o.local_model}",
        )
        for o in sc.options
        if o.local_model is not None and o.tier is not None and o.name not in measured
    ]
