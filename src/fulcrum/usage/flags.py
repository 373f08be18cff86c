"""The flags of ``fulcrum usage`` and ``fulcrum usage reconcile``, checked.

A flag that cannot be used is an :class:`~fulcrum.errors.InputError`: one line naming the
flag and what it accepts (exit code 2), raised before anything is read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from fulcrum.catalog.loader import Catalog
from fulcrum.catalog.records import Plan
from fulcrum.costs.machine import LocalMachine
from fulcrum.errors import InputError, did_you_mean
from fulcrum.ledger.cli import parse_window
from fulcrum.tables import flag_number
from fulcrum.usage.importers import IMPORTERS
from fulcrum.usage.report import GROUPS

DEFAULT_WINDOW = timedelta(days=90)
MAX_TOLERANCE_S = 86_400  # a day: two records of one call are seconds or minutes apart
_FIRST = datetime.min.replace(tzinfo=UTC)


def window(since: str | None, until: str | None) -> tuple[datetime, datetime]:
    """``[start, end)`` of ``--since``/``--until`` (default: the 90 days up to now)."""
    start, end = parse_window(since, until)
    now = datetime.now(UTC)
    if start is not None and end is None and start >= now:
        order = "after" if start > now else "not before"
        raise InputError(f"--since: {since} is {order} --until now; give an earlier "
                         "--since or a later --until")  # fmt: skip
    end = end or now
    return start or end - min(DEFAULT_WINDOW, end - _FIRST), end


def check(by: str, source: str | None) -> None:
    if by not in GROUPS:
        raise InputError(f"--by: {by!r} is not accepted; use one of {', '.join(GROUPS)}")
    if source is not None and source not in IMPORTERS:
        raise InputError(f"--source: {source!r} is not accepted; use one of {', '.join(IMPORTERS)}")


def machine(catalog: Catalog, hardware: str | None) -> LocalMachine | None:
    if hardware is None:
        return None
    if hardware not in catalog.hardware:
        accepted = ", ".join(sorted(catalog.hardware))
        raise InputError(f"--hardware: {hardware!r} is not a catalog id; use one of {accepted}")
    return LocalMachine.from_config({"hardware": hardware}, catalog.hardware)


def share(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 1:  # NaN cannot be compared
        raise InputError(f"--local-share: {text!r} is not a number from 0 to 1")
    return value


def plan(catalog: Catalog, plan_id: str | None) -> Plan | None:
    if plan_id is None:
        return None
    if plan_id not in catalog.plans:
        accepted = ", ".join(catalog.plans)
        raise InputError(f"--plan: {plan_id!r} is not a plan; use one of {accepted}")
    return catalog.plans[plan_id]


def cheaper_model(catalog: Catalog, model: str | None) -> str | None:
    """A model with an API price (the catalog's, or genai-prices')."""
    if model is None or catalog.price(model) is not None:
        return model
    priced = [m for m in sorted(catalog.models) if catalog.price(m) is not None]
    raise InputError(f"--cheaper-model: {model!r} has no API price; {did_you_mean(model, priced)}"
                     f"use a priced model id such as {', '.join(priced)}")  # fmt: skip


def tolerance(seconds: float) -> timedelta:
    return timedelta(seconds=flag_number("--tolerance-s", seconds, 0, MAX_TOLERANCE_S))
