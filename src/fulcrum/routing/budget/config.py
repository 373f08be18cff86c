"""The ``[policy.budget]`` table: frontier spend limits per day and month, globally and per key.

```toml
[policy.budget]
daily_usd = 20            # every limit is optional; omitted = no limit on that window
monthly_usd = 400
on_exhausted = "local"    # "local": degrade to the local backend; "refuse": a 429 error
timezone = "UTC"          # the calendar day and month are those of this IANA zone
hold_s = 900              # a reservation not settled by then is released (a crashed process)

[policy.budget.keys.alice] # per client key name (the NAME of NAME:KEY client keys)
daily_usd = 5
monthly_usd = 60
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fulcrum.tables import Table

OnExhausted = Literal["local", "refuse"]
ON_EXHAUSTED: tuple[OnExhausted, ...] = ("local", "refuse")
LIMIT_KEYS = ("daily_usd", "monthly_usd")
DEFAULT_HOLD_S = 900.0


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits of one scope (global or one key); ``None`` is no limit on that window."""

    daily_usd: Decimal | None = None
    monthly_usd: Decimal | None = None


@dataclass(frozen=True, slots=True)
class BudgetConfig:
    limits: Limits = Limits()
    keys: Mapping[str, Limits] = field(default_factory=dict)
    on_exhausted: OnExhausted = "local"
    timezone: str = "UTC"
    hold_s: float = DEFAULT_HOLD_S

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _limits(t: Table) -> Limits:
    return Limits(
        daily_usd=t.decimal("daily_usd", low=0),
        monthly_usd=t.decimal("monthly_usd", low=0),
    )


def _zone(t: Table) -> str:
    name = t.text("timezone", "UTC", nonempty=True)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        t.fail("timezone", "an IANA time zone name such as UTC or Europe/Paris", name)
    return name


def parse_budget(t: Table) -> BudgetConfig:
    """Read ``[policy.budget]``; a mistake is a ConfigError naming the field."""
    t.only(*LIMIT_KEYS, "on_exhausted", "timezone", "hold_s", "keys")
    keys_table = t.table("keys")
    keys: dict[str, Limits] = {}
    for name in keys_table.data:
        entry = keys_table.table(name, required=True)
        entry.only(*LIMIT_KEYS)
        keys[str(name)] = _limits(entry)
    return BudgetConfig(
        limits=_limits(t),
        keys=keys,
        on_exhausted=cast(OnExhausted, t.choice("on_exhausted", ON_EXHAUSTED, default="local")),
        timezone=_zone(t),
        hold_s=t.number("hold_s", DEFAULT_HOLD_S, low=1.0),
    )
