"""Reconcile calls (the gateway's ledger, Claude Code's logs) against a provider's bucketed
export (Admin API usage or cost report, console CSV, OpenAI organization usage or costs).

An export holds totals per time bucket and group, not calls, so the two meet per UTC day and
model: the calls of a day and model are summed (tokens, and API-equivalent dollars from the
catalog), the export's buckets that start on that day for that model likewise (tokens, and
dollars as the export states them, else from the catalog). Each cell is one row of the
result (:class:`~fulcrum.usage.reconcile.Reconciliation`, ``a`` the calls and ``b`` the
export, ``calls`` the calls' count); a cell on one side only is left unmatched.

Known causes, counted per cell:

- ``export_wider``: the export holds more requests or tokens than the calls: its scope (the
  organization, a workspace, an API key) takes in clients and machines the calls' source
  never saw;
- ``input_placeholder`` / ``output_short`` / ``cache_tiers``: as between logs and ledger
  (log input placeholders, thinking tokens missing from log output, cache tiers);
- ``stated_cost``: the export states its cost (after discounts and batch or priority tier
  prices) while the calls are priced at list prices;
- ``missing_in_export``: calls whose day and model the export has no bucket for (a narrower
  filter, another organization, or a model named differently).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from fulcrum.usage.pricing import Pricer
from fulcrum.usage.reconcile import CAUSES, TOKEN_NAMES, Diff, Reconciliation, Side, causes_of
from fulcrum.usage.records import UsageRecord

Cell = tuple[date, str]
MATCH_KEY = "UTC day + model (an export holds totals per bucket, not calls)"


def _cells(records: list[UsageRecord]) -> dict[Cell, list[UsageRecord]]:
    out: dict[Cell, list[UsageRecord]] = defaultdict(list)
    for r in records:
        out[(r.ts.date(), r.model)].append(r)
    return out


def _total(records: list[UsageRecord]) -> UsageRecord:
    first = records[0]
    sums = {name: sum(getattr(r, name) for r in records) for name in TOKEN_NAMES}
    return UsageRecord(source=first.source, key="", ts=first.ts, model=first.model, **sums)


def _cell_causes(calls: list[UsageRecord], export: list[UsageRecord]) -> list[str]:
    found: list[str] = []
    a, b = _total(calls), _total(export)
    requests = [r.requests for r in export]
    more_requests = None not in requests and sum(r or 0 for r in requests) > len(calls)
    pairs = [(getattr(a, n), getattr(b, n)) for n in TOKEN_NAMES]
    more_tokens = all(y >= x for x, y in pairs) and any(y > x for x, y in pairs)
    if more_requests or more_tokens:
        found.append("export_wider")
    if any(r.input_tokens or r.output_tokens or r.cache_read_tokens for r in export):
        found += causes_of(a, b)
    if any(r.cost_usd is not None for r in export):
        found.append("stated_cost")
    return found


def _side(records: list[UsageRecord], pricer: Pricer) -> Side:
    side = Side()
    for r in records:
        side.add(r, pricer.cost(r))
    return side


def reconcile_buckets(
    calls: list[UsageRecord], export: list[UsageRecord], pricer: Pricer
) -> Reconciliation:
    a_cells, b_cells = _cells(calls), _cells(export)
    total = Diff()
    days: dict[str, Diff] = defaultdict(Diff)
    models: dict[str, Diff] = defaultdict(Diff)
    causes = dict.fromkeys(CAUSES, 0)
    left: list[UsageRecord] = []
    for cell in sorted(a_cells.keys() & b_cells.keys()):
        a, b = _side(a_cells[cell], pricer), _side(b_cells[cell], pricer)
        for diff in (total, days[cell[0].isoformat()], models[cell[1]]):
            _merge(diff, a, b, len(a_cells[cell]))
        for cause in _cell_causes(a_cells[cell], b_cells[cell]):
            causes[cause] += 1
    for cell in sorted(a_cells.keys() - b_cells.keys()):
        left += a_cells[cell]
        causes["missing_in_export"] += 1
    right = [r for cell in sorted(b_cells.keys() - a_cells.keys()) for r in b_cells[cell]]
    names = (calls[0].source if calls else "calls", export[0].source if export else "export")
    return Reconciliation(
        names[0], names[1], total, dict(sorted(days.items())), dict(sorted(models.items())),
        left, right, causes, match_key=MATCH_KEY,
    )  # fmt: skip


def _merge(diff: Diff, a: Side, b: Side, calls: int) -> None:
    diff.calls += calls
    for mine, theirs in ((diff.a, a), (diff.b, b)):
        mine.tokens = [x + y for x, y in zip(mine.tokens, theirs.tokens, strict=True)]
        mine.cost_usd += theirs.cost_usd
        mine.unknown += theirs.unknown
