"""``decide --usage``: the imported usage in place of the scenario's assumed usage.

The usage store (``fulcrum usage import``) is read over the window (``--since 90d`` or a
day, to now) and priced as ``fulcrum usage`` prices it (each call or bucket on its own
model and day; a stated cost as stated). The scenario's ``[api]`` then rests on it:

- spend: the mean daily API-equivalent dollars x ``days_per_month``, spread over the
  scenario's agents (``monthly_usd`` per agent; a plan or token assumption is replaced);
- spread: ``[uncertainty] api_monthly_factor`` (unless the scenario sets it) runs from
  ``2 - p95/mean`` (not below 0) to ``p95/mean``, the p95 day over the mean day;
- token mix: the daily tokens per agent (input, output, cache write, cache read);
- model mix: each model's share of the dollars, shown with the label.

Sources that hold the same calls (Claude Code's logs and the gateway's ledger, or a log and
a provider export) would count them twice, so when the window holds several sources one
must be named (``--usage-source``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fulcrum.catalog import Catalog
from fulcrum.costs.labels import MEASURED, InputLabel
from fulcrum.costs.scenario import Scenario
from fulcrum.errors import InputError
from fulcrum.ledger.cli import parse_bound
from fulcrum.usage.pricing import Pricer
from fulcrum.usage.records import UsageRecord
from fulcrum.usage.report import UsageReport, build_report
from fulcrum.usage.store import UsageStore

DEFAULT_SINCE = "90d"
_DAYS = re.compile(r"^(\d{1,4})d$")


def window_start(since: str, now: datetime) -> datetime:
    """``90d`` (days back from now) or a UTC day / ISO date-time."""
    match = _DAYS.match(since.strip())
    if match:
        return now - timedelta(days=int(match.group(1)))
    start = parse_bound(since, "--since", end=False)
    assert start is not None
    return start


def _records(start: datetime, end: datetime, source: str | None) -> list[UsageRecord]:
    store = UsageStore()
    try:
        records = store.records(start, end, source)
    finally:
        store.close()
    if not records:
        raise InputError(
            f"--usage: no imported usage from {start:%Y-%m-%d} to {end:%Y-%m-%d}"
            f"{'' if source is None else f' from {source}'}; run `fulcrum usage import` first"
        )
    sources = sorted({r.source for r in records})
    if len(sources) > 1:
        raise InputError(
            f"--usage: the window holds several sources ({', '.join(sources)}) that may count "
            "the same calls twice; pick one with --usage-source"
        )
    return records


def _model_mix(report: UsageReport, catalog_total: Decimal) -> str:
    parts = []
    for model, t in list(report.groups.items())[:3]:
        share = t.cost_usd / catalog_total if catalog_total else Decimal(0)
        parts.append(f"{model} {share:.0%}")
    rest = len(report.groups) - 3
    return ", ".join(parts) + (f" and {rest} more" if rest > 0 else "")


def _ranges(sc: Scenario, mean: Decimal, p95: Decimal) -> dict[str, object]:
    ranges = dict(sc.sections.get("uncertainty") or {})
    if mean > 0:
        high = float(p95 / mean)
        ranges.setdefault("api_monthly_factor", [max(0.0, 2.0 - high), high])
    return ranges


def apply_measured_usage(
    sc: Scenario, catalog: Catalog, since: str, source: str | None = None,
    now: datetime | None = None,
) -> tuple[Scenario, InputLabel]:  # fmt: skip
    end = now or datetime.now(UTC)
    start = window_start(since, end)
    records = _records(start, end, source)
    report = build_report(records, Pricer(catalog), by="model", since=start, until=end)
    mean, p95 = report.mean_daily_usd or Decimal(0), report.p95_daily_usd or Decimal(0)
    t, days, agents = report.total, len(report.days), sc.api.agents
    per_agent_day = [n // (days * agents) for n in (t.input_tokens, t.output_tokens,
                     t.cache_write_tokens, t.cache_read_tokens)]  # fmt: skip
    api = replace(
        sc.api, plan=None, monthly_usd=mean * sc.days_per_month / agents,
        input_tokens=per_agent_day[0], output_tokens=per_agent_day[1],
        cache_write_tokens=per_agent_day[2], cache_read_tokens=per_agent_day[3],
    )  # fmt: skip
    sections = {**sc.sections, "uncertainty": _ranges(sc, mean, p95)}
    unknown = f"; {t.unknown} records with no price left out" if t.unknown else ""
    value = (
        f"mean ${mean:,.2f}/day, p95 ${p95:,.2f}/day over {days} days "
        f"(${mean * sc.days_per_month:,.2f}/month); per agent-day "
        f"{per_agent_day[0]:,} in / {per_agent_day[1]:,} out / {per_agent_day[2]:,} cache "
        f"write / {per_agent_day[3]:,} cache read tokens; models: "
        f"{_model_mix(report, t.cost_usd)}{unknown}"
    )
    label = InputLabel(
        "usage", MEASURED, value, f"fulcrum usage store ({records[0].source})",
        f"{start:%Y-%m-%d} to {end:%Y-%m-%d}", f"last record {records[-1].ts:%Y-%m-%d}",
    )  # fmt: skip
    return replace(sc, api=api, sections=sections), label
