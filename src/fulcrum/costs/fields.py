"""Scenario fields read before the engine: horizons, dates, overrides, unique names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from fulcrum.errors import ConfigError
from fulcrum.tables import Table

MAX_HORIZON_YEARS = 15
MAX_USD_PER_KWH = 5


class _HasName(Protocol):
    @property
    def name(self) -> str: ...


Named = TypeVar("Named", bound=_HasName)


def check_unique_names(file: str, options: tuple[Named, ...]) -> tuple[Named, ...]:
    """Option names identify rows in every table: two options may not share one."""
    seen: set[str] = set()
    for i, opt in enumerate(options):
        name = opt.name
        if name in seen:
            raise ConfigError(
                f"duplicate option name {name!r}; accepted: a distinct `name` for each option",
                file=file,
                field=f"options[{i}].name",
            )
        seen.add(name)
    return options


def parse_horizons(t: Table, default: Decimal) -> tuple[Decimal, ...]:
    """``scenario.horizons``: a non-empty list of years, each in [0.1, MAX_HORIZON_YEARS];
    ``default`` (the decision's ``horizon_years``) among them, so one table matches it."""
    value = t.data.get("horizons", [default])
    if not isinstance(value, list) or not value:
        t.fail("horizons", "a list of years, e.g. [3, 5]", value)
    low = Decimal("0.1")
    years = [
        Table({"horizons": h}, t.file, t.prefix).req_decimal(
            "horizons", low=low, high=MAX_HORIZON_YEARS
        )
        for h in value
    ]
    return tuple(sorted(set(years) | {default}))


# a scenario's dates: its horizon and re-evaluation are added to them
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def parse_date(value: Any, file: str, field: str) -> date:
    """A TOML date or an ISO ``YYYY-MM-DD`` string, from 2000 to 2100 (not a date and time)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ConfigError("expected a date YYYY-MM-DD", file=file, field=field) from None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ConfigError("expected a date YYYY-MM-DD (not a time)", file=file, field=field)
    if not EARLIEST <= value <= LATEST:
        raise ConfigError(f"expected a date from {EARLIEST} to {LATEST}, got {value}",
                          file=file, field=field)  # fmt: skip
    return value


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any], file: str) -> dict[str, Any]:
    """Set ``section.key`` fields of a parsed scenario; ``options.key`` sets every option's."""
    out = dict(raw)
    for dotted, value in overrides.items():
        section, _, key = dotted.partition(".")
        if section == "options":
            out["options"] = [{**t, key: value} for t in out.get("options", [])]
            continue
        table = out.get(section)
        if table is not None and not isinstance(table, dict):
            raise ConfigError("expected a table", file=file, field=section)
        out[section] = {**(table or {}), key: value}
    return out
