"""The dashboard's numbers: read from the ledger database, off the request path.

:class:`LedgerNumbers` runs in the dashboard's one worker thread (never on the event loop) and
reads the ledger the gateway writes to (:mod:`.ledgerview`: SQLite in the data dir or the
configured URL), so a poll costs the request path nothing: no lock it holds, no state it
updates. The mean and p95 daily spend are over the last 30 days from the first day with a call
(a day without calls counts as $0, as in ``fulcrum ledger``). :func:`gateway_numbers` reads
plain attributes of the running gateway (breaker states, replica health, queue depth, the
share target), none of them behind a lock.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fulcrum.report.ledgerview import READ_ERRORS, Day, LedgerView, open_view

RECENT = 12
WINDOW_DAYS = 30


def _usd(value: float | None) -> str | None:
    return None if value is None else f"{value:.4f}"


def _sum(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)), 1) - 1]


def _totals(days: list[Day]) -> dict[str, Any]:
    calls = sum(d.calls for d in days)
    return {
        "calls": calls,
        "usd": _sum([d.cost for d in days]),
        "local_share": sum(d.local_calls for d in days) / calls if calls else None,
        "saving": _sum([d.saving for d in days]),
        "counterfactual": _sum([d.counterfactual for d in days]),
        "cost_unknown": sum(d.cost_unknown for d in days),
    }


@dataclass
class LedgerNumbers:
    """The ledger half of ``/ui/data.json``; call :meth:`read` from one worker thread only."""

    url: str | None
    view: LedgerView | None = None
    note: str = "no ledger yet: nothing has been recorded"
    _days: list[Day] = field(default_factory=list)

    def read(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        month = today.replace(day=1)
        if self.view is None:
            self.view = open_view(self.url)
        if self.view is None:
            return {"ledger": None, "ledger_note": self.note}
        try:
            reading = self.view.read(min(month, today - timedelta(days=WINDOW_DAYS)), RECENT)
        except READ_ERRORS as exc:  # no table yet, locked, connection lost: try again next poll
            self.close()
            self.view = None
            return {"ledger": None, "ledger_note": f"cannot read the ledger: {exc}"}
        start = (today - timedelta(days=WINDOW_DAYS)).date().isoformat()
        window = [d for d in reading.days if d.day >= start]
        this_month = _totals([d for d in reading.days if d.day >= month.date().isoformat()])
        this_day = _totals([d for d in reading.days if d.day == today.date().isoformat()])
        spends = [d.cost for d in window if d.cost is not None]
        if window:  # days without a call between the first and today spent $0
            first = datetime.fromisoformat(window[0].day).date()
            spends += [0.0] * ((today.date() - first).days + 1 - len(window))
        return {
            "ledger": {
                "calls": reading.calls,
                "today_usd": _usd(this_day["usd"]),
                "today_calls": this_day["calls"],
                "today_cost_unknown_calls": this_day["cost_unknown"],
                "month_usd": _usd(this_month["usd"]),
                "month_calls": this_month["calls"],
                "month_cost_unknown_calls": this_month["cost_unknown"],
                "local_share_today": this_day["local_share"],
                "local_share_month": this_month["local_share"],
                "saving_month_usd": _usd(this_month["saving"]),
                "all_frontier_month_usd": _usd(this_month["counterfactual"]),
                "mean_daily_usd": _usd(sum(spends) / len(spends) if spends else None),
                "p95_daily_usd": _usd(_p95(spends)),
                "window_days": len(window),
                "recent": reading.recent,
            }
        }

    def close(self) -> None:
        if self.view is not None:
            self.view.close()


def _replica(replica: Any, now: float) -> dict[str, Any]:
    health = replica.health
    return {
        "label": replica.label,
        "health": health(now) if callable(health) else str(health),
        "load": int(replica.load),
    }


def _backend(backend: Any, guard: Any) -> dict[str, Any]:
    """A backend's row; a local one's latency SLO state when the brain has a guard."""
    state = backend.breaker.state
    pool = getattr(backend, "pool", None)
    now = pool.clock() if pool is not None and hasattr(pool, "clock") else time.monotonic()
    waiting = getattr(pool, "waiting", 0) if pool is not None else 0
    return {
        "name": backend.name,
        "kind": backend.config.kind,
        "circuit": getattr(state, "value", str(state)),
        "replicas": [_replica(r, now) for r in (getattr(pool, "replicas", None) or [])],
        "waiting": waiting() if callable(waiting) else int(waiting),
        "latency": _latency(guard, backend),
    }


def _latency(guard: Any, backend: Any) -> dict[str, Any] | None:
    """A local backend's latency SLO: spilling or not, why, its recent time to first token."""
    if guard is None or backend.config.kind != "local":
        return None
    found = guard.state(backend.name)
    return {"spilling": found.spilling, "reason": found.reason, "ttft_ms": found.ttft_ms,
            "samples": found.samples, "limit_ms": guard.config.ttft_ms_max}  # fmt: skip


def gateway_numbers(state: Any) -> dict[str, Any]:
    """Backends with their circuit states, replicas and latency SLO, queue depth, the share
    target and the learned router's threshold in force."""
    brain = state.brain
    guard = getattr(brain, "latency", None) if brain is not None else None
    backends = [_backend(b, guard) for b in state.backends]
    share = getattr(brain, "share", None) if brain is not None else None
    kinds = {b["kind"] for b in backends}
    return {
        "backends": backends,
        "in_flight": state.active,
        "queued": sum(b["waiting"] for b in backends),
        "share_target": getattr(share, "target", None),
        "threshold": share.threshold() if share is not None and brain.scorer else None,
        "next_steps": next_steps(kinds),
    }


def budget_numbers(state: Any) -> dict[str, Any] | None:
    """The budget windows when the book is in the ledger database (read there); else None."""
    brain = state.brain
    book = getattr(brain, "budget", None) if brain is not None else None
    if book is None or not getattr(book, "shared", False):
        return None
    from fulcrum.routing.budget import status_report  # noqa: PLC0415 - only with a budget

    return status_report(book)


def next_steps(kinds: set[str]) -> list[str]:
    """What to connect next, for a fresh machine."""
    out = []
    if "local" not in kinds:
        out.append(
            "start a local server (llama.cpp on port 8080, Ollama on 11434, LM Studio on 1234 "
            "or vLLM on 8000); the gateway picks it up"
        )
    if "api" not in kinds:
        out.append("set ANTHROPIC_API_KEY or OPENAI_API_KEY to enable a frontier API")
    return out
