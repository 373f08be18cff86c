"""The replay's report: shares, spend, budget events, decisions and sessions, as text or JSON.

Shares compare the replayed decisions with the recorded ones over the same replayable
requests (a request the replayed budget refused is not served: it counts in neither
share). Spend is per calendar day (the budget's zone, else UTC): the total, the mean over
the days with requests, the largest day. Money is ``Decimal``, printed as decimal strings
in JSON; amounts that are unknown are counted, never taken as zero.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from rich.console import Console

from fulcrum.routing.policy.explain import pairs_table
from fulcrum.routing.replay.tally import Money, Sides, Tally
from fulcrum.words import plural

TOP = 10


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def money_dict(m: Money, days: int) -> dict[str, Any]:
    mean = m.total / days if days else Decimal(0)
    largest = max(m.days.values(), default=Decimal(0))
    return {"total": str(m.total), "per_day_mean": str(round(mean, 6)),
            "per_day_max": str(largest), "unknown": m.unknown}  # fmt: skip


def sides_dict(s: Sides) -> dict[str, Any]:
    return {
        "requests": s.requests,
        "tokens": s.tokens,
        "local_share_requests": share(s.local_requests, s.requests),
        "local_share_tokens": share(s.local_tokens, s.tokens),
    }


def as_dict(t: Tally, *, ledger: str, policy: str) -> dict[str, Any]:
    """The ``--json`` body."""
    days = len(t.days)
    moved = {k: m for k, m in t.sessions.items() if m.to_local or m.to_frontier}
    return {
        "ledger": ledger,
        "policy": policy,
        "first": t.first.isoformat() if t.first else None,
        "last": t.last.isoformat() if t.last else None,
        "days": days,
        "rows": t.rows,
        "replayed": sum(t.origins.values()),
        "from": dict(t.origins),
        "not_replayable": dict(t.not_replayable),
        "scores_from_record": t.scores_from_record,
        "recorded": sides_dict(t.recorded),
        "replay": sides_dict(t.replayed),
        "frontier_usd": _both(t.frontier_recorded, t.frontier_replayed, days),
        "local_usd": _both(t.local_recorded, t.local_replayed, days),
        "budget": {
            "events": dict(t.events),
            "refused": t.refused,
            "first_each_day": [
                {"day": d.isoformat(), "event": e, "at": at.isoformat(), "window": w}
                for (d, e), (at, w) in sorted(t.first_events.items())
            ],
        },
        "rules": dict(t.rules.most_common()),
        "reasons": dict(t.reasons.most_common()),
        "sessions": {
            "total": len(t.sessions),
            "changed_side": len(moved),
            "changed": {k: dataclasses.asdict(m) for k, m in sorted(moved.items())},
        },
    }


def _both(recorded: Money, replayed: Money, days: int) -> dict[str, Any]:
    return {"recorded": money_dict(recorded, days), "replay": money_dict(replayed, days)}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _usd(m: dict[str, Any]) -> str:
    unknown = f" (+{m['unknown']} unknown)" if m["unknown"] else ""
    mean, largest = Decimal(m["per_day_mean"]), Decimal(m["per_day_max"])
    return f"${Decimal(m['total']):,.4f}{unknown}; a day: mean ${mean:,.4f}, max ${largest:,.4f}"


def _when(iso: str | None) -> str:
    return "-" if iso is None else iso[:16].replace("T", " ")


def _shares(rec: dict[str, Any], rep: dict[str, Any], key: str) -> str:
    return f"{_pct(rec[key])} recorded → {_pct(rep[key])} replayed"


def _overview(d: dict[str, Any]) -> list[tuple[str, str]]:
    rec, rep = d["recorded"], d["replay"]
    skipped = ", ".join(f"{n} {why}" for why, n in d["not_replayable"].items()) or "none"
    origins = ", ".join(f"{n} from {k}" for k, n in d["from"].items()) or "none"
    return [
        ("ledger", d["ledger"]),
        ("policy", d["policy"]),
        (
            "period",
            f"{_when(d['first'])} .. {_when(d['last'])} UTC ({plural(d['days'], 'day')})",
        ),
        ("requests", f"{d['rows']:,} recorded; {d['replayed']:,} replayed ({origins})"),
        ("not replayable", skipped),
        ("tokens", f"{rec['tokens']:,}"),
        ("local share", _shares(rec, rep, "local_share_requests")),
        ("  by tokens", _shares(rec, rep, "local_share_tokens")),
        ("frontier spend", "recorded " + _usd(d["frontier_usd"]["recorded"])),
        ("", "replayed " + _usd(d["frontier_usd"]["replay"])),
        ("local machine", "recorded " + _usd(d["local_usd"]["recorded"])),
        ("", "replayed " + _usd(d["local_usd"]["replay"])),
    ]


def _budget_rows(d: dict[str, Any]) -> list[tuple[str, str]]:
    b = d["budget"]
    rows = [("events", ", ".join(f"{e} {n}" for e, n in b["events"].items()) or "none")]
    for first in b["first_each_day"]:
        rows.append((first["day"], f"{first['event']} ({first['window']}) first at "
                     f"{first['at'][11:19]} UTC"))  # fmt: skip
    return rows


def _counts(title: str, counts: dict[str, int]) -> list[tuple[str, str]]:
    shown = list(counts.items())[:TOP]
    rest = sum(counts.values()) - sum(n for _, n in shown)
    rows = [(name, f"{n:,}") for name, n in shown]
    return rows + ([("(others)", f"{rest:,}")] if rest else []) or [(title, "none")]


def _session_rows(d: dict[str, Any]) -> list[tuple[str, str]]:
    s = d["sessions"]
    rows = [("sessions", f"{s['total']:,}; {s['changed_side']:,} would change side")]
    for name, m in list(s["changed"].items())[:TOP]:
        rows.append((name[:24], f"{m['to_local']} of {m['requests']} requests to local, "
                     f"{m['to_frontier']} to frontier"))  # fmt: skip
    return rows


def render(d: dict[str, Any], console: Console) -> None:
    """The text report (80 columns) of :func:`as_dict`'s body."""
    console.print(pairs_table("Replay", _overview(d)))
    console.print(pairs_table("Budget (replayed)", _budget_rows(d)))
    console.print(pairs_table("Decisions per rule", _counts("rules", d["rules"])))
    console.print(pairs_table("Decisions per reason", _counts("reasons", d["reasons"])))
    console.print(pairs_table("Sessions", _session_rows(d)))
    if d["scores_from_record"]:
        console.print(f"note: {d['scores_from_record']:,} learned decisions used the score "
                      "recorded in the ledger (no text to score)")  # fmt: skip
    if d["from"].get("features"):
        console.print("note: requests without a stored body replay from their recorded "
                      "features: no text, working directory or headers for the rules")  # fmt: skip
    console.print("note: no latency guard: a replay cannot know the latency of the past")
