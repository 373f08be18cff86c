"""Scenario fields read before the engine: horizons, dates, overrides, unique names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from fulcrum.catalog.records import req_decimal
from fulcrum.errors import ConfigError

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


def parse_horizons(value: Any, where: str) -> tuple[Decimal, ...]:
    """``scenario.horizons``: a non-empty list of years, each in (0, MAX_HORIZON_YEARS]."""
    if not isinstance(value, list) or not value:
        raise ConfigError(
            "expected a list of years, e.g. [3, 5]",
            file=where.split("::", maxsplit=1)[0],
            field="scenario.horizons",
        )
    low = Decimal("0.1")
    return tuple(
        req_decimal({"horizons": h}, "horizons", where, minimum=low, maximum=MAX_HORIZON_YEARS)
        for h in value
    )


def parse_date(value: Any, file: str, field: str) -> date:
    """A TOML date or an ISO ``YYYY-MM-DD`` string."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ConfigError("expected a date YYYY-MM-DD", file=file, field=field) from None
    if not isinstance(value, date):
        raise ConfigError("expected a date YYYY-MM-DD", file=file, field=field)
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
