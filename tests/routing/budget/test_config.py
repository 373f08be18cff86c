"""``[policy.budget]``: limits, per-key limits, the exhaustion mode and the time zone."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from fulcrum.errors import ConfigError
from fulcrum.routing.budget import BudgetConfig, Limits, parse_budget
from fulcrum.tables import Table


def _parse(text: str) -> BudgetConfig:
    data = tomllib.loads(text)
    return parse_budget(Table(data["policy"]["budget"], "policy.toml", "policy.budget"))


def test_full_table() -> None:
    config = _parse("""
[policy.budget]
daily_usd = 20
monthly_usd = "400.50"
on_exhausted = "refuse"
timezone = "Europe/Paris"
hold_s = 120
[policy.budget.keys.alice]
daily_usd = 5
""")
    assert config.limits == Limits(Decimal(20), Decimal("400.50"))
    assert config.keys == {"alice": Limits(daily_usd=Decimal(5))}
    assert (config.on_exhausted, config.timezone, config.hold_s) == ("refuse", "Europe/Paris", 120)


def test_defaults() -> None:
    config = _parse("[policy.budget]\n")
    assert config.limits == Limits() and config.keys == {}
    assert (config.on_exhausted, config.timezone, config.hold_s) == ("local", "UTC", 900.0)


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("daily_usd = -1", "policy.budget.daily_usd", "a number >= 0"),
        ("dayly_usd = 1", "policy.budget.dayly_usd", "did you mean `daily_usd`"),
        ('on_exhausted = "wait"', "policy.budget.on_exhausted", "one of local, refuse"),
        ('timezone = "Mars/Olympus"', "policy.budget.timezone", "IANA time zone"),
        ("hold_s = 0", "policy.budget.hold_s", "a number >= 1"),
        ("[policy.budget.keys.bob]\nweekly_usd = 1", "policy.budget.keys.bob.weekly_usd",
         "unknown key"),
        ("keys = { bob = 3 }", "policy.budget.keys.bob", "a table"),
    ],
)  # fmt: skip
def test_mistakes_name_the_field(text: str, field: str, says: str) -> None:
    with pytest.raises(ConfigError) as err:
        _parse(f"[policy.budget]\n{text}\n")
    assert f"policy.toml: {field}:" in str(err.value) and says in str(err.value)
