"""The report's measured sections: ledger, evals, usage, probes. Each says "not measured yet"
when its data is absent, and labels what it measured (source, window, date)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fulcrum.catalog import Catalog
from fulcrum.costs.labels import MEASURED, InputLabel
from fulcrum.costs.measured_usage import window_start
from fulcrum.errors import FulcrumError, InputError
from fulcrum.ledger.factory import DATABASE_ERRORS, open_store
from fulcrum.ledger.report import Report, build_report
from fulcrum.probe.store import load_run
from fulcrum.report import measured_charts as charts
from fulcrum.report.page import dollars
from fulcrum.urls import redact_url
from fulcrum.usage.pricing import Pricer
from fulcrum.usage.report import build_report as usage_report
from fulcrum.usage.store import UsageStore
from fulcrum.words import plural

NOT_MEASURED = "not measured yet"


@dataclass(slots=True)
class Section:
    key: str
    title: str
    body: str = ""
    labels: list[InputLabel] = field(default_factory=list)

    def html(self) -> str:
        body = self.body or f'<p class="missing">{NOT_MEASURED}: {html.escape(self.hint())}</p>'
        return (
            f'<section class="measured" id="{self.key}" data-measured="{bool(self.body)}">'
            f"<h2>{html.escape(self.title)}</h2>{body}</section>"
        )

    def hint(self) -> str:
        return HINTS[self.key]


HINTS = {
    "ledger": "route the agents through `fulcrum serve`; its ledger records every call",
    "evals": "run `fulcrum eval run`, then pass `fulcrum eval stats --export` as --eval-results",
    "usage": "run `fulcrum usage import`, then pass `--usage`",
    "probe": "run `fulcrum probe URL` against the local server, then pass `--probe RUN_ID`",
}


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _read_ledger(db: str | None) -> Report | None:
    """The ledger's report over all its days; None when the default ledger does not exist.
    A ledger named with ``--ledger`` (or ``$FULCRUM_LEDGER_URL``) that cannot be read is an
    error naming the flag, never a silent "not measured yet"."""
    try:
        store = open_store(db, create=False)
    except FulcrumError as exc:
        if db is None:
            return None
        raise InputError(f"--ledger {redact_url(db)}: {_one_line(exc)}") from None
    try:
        return build_report(store.aggregate(None, None, None))
    except DATABASE_ERRORS as exc:
        raise InputError(
            f"--ledger {store.description}: cannot read it: {_one_line(exc)}"
        ) from None
    finally:
        store.close()


def ledger_section(db: str | None, target: float | None = None) -> Section:
    """Daily spend with mean and p95, and the local share per day, from the gateway's ledger."""
    out = Section("ledger", "Spend through the gateway (ledger)")
    report = _read_ledger(db)
    if report is None or not report.days:
        return out
    days = [(b.key, _f(b.cost_usd)) for b in report.days]
    shares = [(b.key, b.local_share_calls) for b in report.days]
    mean, p95, t = report.mean_daily_usd, report.p95_daily_usd, report.total
    out.body = (
        charts.daily_spend(days, _f(mean), _f(p95))
        + charts.local_share(shares, target)
        + f"<p>{t.calls:,} calls; spend {html.escape(_usd(t.cost_usd, t.cost_unknown))}; "
        "saving against all-frontier "
        f"{html.escape(_usd(t.saving_usd, t.saving_unknown))}.</p>"
    )
    known = sum(1 for _, v in days if v is not None)
    left_out = len(days) - known
    value = f"mean {_usd(mean)}/day, p95 {_usd(p95)}/day over {plural(known, 'day')}" + (
        f"; {plural(left_out, 'day')} of unknown cost left out" if left_out else ""
    )
    window = f"{report.days[0].key} to {report.days[-1].key}"
    out.labels.append(InputLabel("daily spend through the gateway", MEASURED, value,
                                 "gateway ledger", window, _today()))  # fmt: skip
    return out


def eval_section(path: Path | None) -> Section:
    """Pass rates with their intervals and the paired difference, from an eval export."""
    out = Section("evals", "Capability on the team's specs (evals)")
    if path is None:
        return out
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"--eval-results {path}: cannot read it as JSON: {exc}") from exc
    gap = doc.get("measured_gap")
    out.body = charts.pass_rates(doc.get("models", []), gap)
    day = datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()
    if gap is not None:
        value = (
            f"{gap['reference']['model']} minus {gap['candidate']['model']}: "
            f"{100 * float(gap['gap']):.1f} points on {gap['n_specs']} specs"
        )
        out.labels.append(
            InputLabel(
                "capability gap (capability tax)",
                MEASURED,
                value,
                f"eval run {doc.get('run_id')} ({path.name})",
                f"{gap['n_specs']} specs",
                day,
            )
        )
    return out


def usage_section(catalog: Catalog, since: str | None) -> Section:
    """Imported usage (``fulcrum usage import``): API-equivalent spend per day."""
    out = Section("usage", "Imported usage")
    if since is None:
        return out
    end = datetime.now(UTC)
    start = window_start(since, end)
    store = UsageStore()
    try:
        records = store.records(start, end)
    finally:
        store.close()
    if not records:
        return out
    rep = usage_report(records, Pricer(catalog), by="model", since=start, until=end)
    days = [(d.isoformat(), float(t.cost_usd)) for d, t in rep.days.items()]
    mean, p95 = rep.mean_daily_usd, rep.p95_daily_usd
    out.body = charts.daily_spend(days, None if mean is None else float(mean),
                                  None if p95 is None else float(p95)).replace(
        'data-chart="dailyspend"', 'data-chart="usagespend"'
    )  # fmt: skip
    return out


def probe_section(run_ids: list[str]) -> Section:
    """Each probe run's curves beside the throughput model's prediction."""
    out = Section("probe", "Local server speed (probe)")
    parts = []
    for run_id in run_ids:
        run = load_run(run_id)
        if run.get("result", {}).get("concurrency"):
            parts.append(charts.probe_curves(run))
    out.body = "".join(parts)
    return out


def _usd(value: Decimal | None, unknown: int = 0) -> str:
    """Cents, from the Decimal; a sum that leaves calls out says how many."""
    text = "unknown" if value is None else dollars(value)
    if unknown and value is not None:
        text += f" (+{plural(unknown, 'call')} of unknown cost)"
    return text


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _today() -> str:
    return datetime.now(UTC).date().isoformat()
