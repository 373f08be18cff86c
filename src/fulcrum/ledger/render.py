"""``fulcrum ledger``'s text: a table per day (or group) and the totals, within 80 columns.

Columns: ``calls``, ``local`` (the share of calls served by a local backend), ``tokens``,
``tok local`` (the share of tokens), ``cost``, ``frontier`` (the same calls at the frontier's
price) and ``saving``. An amount with calls of unknown cost beside it reads ``$0.0387 +1?``:
the sum covers the known ones, 1 call is not in it (never counted as $0). A group key too long
for the row (a session id) goes on a line of its own above its numbers; the totals are
sentences wrapped at 80 columns. Nothing is cut (the ledger's location is printed whole, however
long): ``--json`` and ``--csv`` hold the same figures.
"""

from __future__ import annotations

import textwrap
from decimal import Decimal

from fulcrum.ledger.report import Bucket, Report
from fulcrum.words import plural

WIDTH = 80
HEAD = ("calls", "local", "tokens", "tok local", "cost", "frontier", "saving")
LEGEND = (
    "local / tok local: share of calls / tokens served locally; frontier: the same calls at "
    "the frontier's price; +N?: N calls of unknown cost, not in the amount"
)


def usd(amount: Decimal | None, unknown: int = 0) -> str:
    text = "unknown" if amount is None else f"${amount:,.4f}"
    return f"{text} +{unknown}?" if unknown and amount is not None else text


def _usd_words(amount: Decimal | None, unknown: int) -> str:
    text = "unknown" if amount is None else f"${amount:,.4f}"
    return f"{text} (+{unknown} unknown)" if unknown and amount is not None else text


def share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _cells(b: Bucket) -> list[str]:
    return [
        str(b.calls),
        share(b.local_share_calls),
        f"{b.tokens:,}",
        share(b.local_share_tokens),
        usd(b.cost_usd, b.cost_unknown),
        usd(b.counterfactual_usd, b.counterfactual_unknown),
        usd(b.saving_usd, b.saving_unknown),
    ]


def _table(key: str, buckets: list[Bucket]) -> list[str]:
    """The rows, the key first; a key that would push the row past 80 columns on its own line."""
    rows = [[b.key, *_cells(b)] for b in buckets]
    head = [key, *HEAD]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    numbers = [" ".join(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)) for r in rows]
    numbers_head = " ".join(c.rjust(w) for c, w in zip(HEAD, widths[1:], strict=True))
    if widths[0] + 2 + len(numbers_head) <= WIDTH:
        return [
            f"{k.ljust(widths[0])}  {n}".rstrip()
            for k, n in zip([key] + [r[0] for r in rows], [numbers_head, *numbers], strict=True)
        ]
    lines = [key, "  " + numbers_head]
    for r, n in zip(rows, numbers, strict=True):
        lines += [r[0], "  " + n]
    return lines


def _totals(report: Report) -> list[str]:
    t = report.total
    days = len(report.days)
    unknown_days = report.days_with_unknown_cost
    sentences = [
        f"total: {t.calls} calls, {_usd_words(t.cost_usd, t.cost_unknown)} spent, "
        f"{_usd_words(t.counterfactual_usd, t.counterfactual_unknown)} on the frontier, "
        f"{_usd_words(t.saving_usd, t.saving_unknown)} saved",
        f"local share: {share(t.local_share_calls)} of calls, "
        f"{share(t.local_share_tokens)} of tokens",
        f"daily spend over {plural(days, 'day')}: "
        f"mean {usd(report.mean_daily_usd)}, p95 {usd(report.p95_daily_usd)}"
        + (f" (days with calls of unknown cost: {unknown_days})" if unknown_days else ""),
    ]
    return [
        textwrap.fill(s, WIDTH, subsequent_indent="  ", break_on_hyphens=False) for s in sentences
    ]


def render_text(report: Report, where: str) -> str:
    table = _table(report.by or "day", report.groups if report.by else report.days)
    legend = textwrap.fill(LEGEND, WIDTH, subsequent_indent="  ")
    return "\n".join([f"ledger: {where}", "", *table, "", *_totals(report), "", legend])
