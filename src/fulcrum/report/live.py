"""The dashboard's numbers: read from the ledger database, off the request path.

:func:`ledger_numbers` runs in a worker thread (never on the event loop) and opens the ledger
the gateway writes to (SQLite in the data dir or the configured URL), so a dashboard poll
costs the request path nothing: no lock it holds, no state it updates. :func:`gateway_numbers`
reads plain attributes of the running gateway (breaker states, replica health, queue depth,
the share target), none of them behind a lock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fulcrum.errors import FulcrumError
from fulcrum.ledger.factory import open_store
from fulcrum.ledger.report import build_report
from fulcrum.ledger.row import LedgerRow

RECENT = 12
WINDOW_DAYS = 30


def _usd(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.0001")))


def _session(row: LedgerRow) -> dict[str, Any]:
    return {
        "ts": row.ts.isoformat(timespec="seconds") if isinstance(row.ts, datetime) else str(row.ts),
        "session": row.session,
        "route": f"{row.backend}/{row.model}" if row.backend else row.model,
        "kind": row.backend_kind,
        "reason": row.route_reason,
        "status": row.status,
        "cost_usd": _usd(row.cost_usd),
    }


def ledger_numbers(db: str | None, now: datetime | None = None) -> dict[str, Any]:
    """Today's and this month's spend, local share, savings, mean/p95 daily, recent calls."""
    now = now or datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = today.replace(day=1)
    try:
        store = open_store(db, create=False)
    except FulcrumError as exc:
        return {"ledger": None, "ledger_note": str(exc)}
    try:
        window = build_report(
            store.aggregate(min(month, today - timedelta(days=WINDOW_DAYS)), None, None)
        )
        this_month = build_report(store.aggregate(month, None, None))
        this_day = build_report(store.aggregate(today, None, None))
        rows = store.rows(now - timedelta(hours=6), None)[-RECENT:]
        calls = store.count()
    finally:
        store.close()
    t, m = this_day.total, this_month.total
    return {
        "ledger": {
            "calls": calls,
            "today_usd": _usd(t.cost_usd),
            "today_calls": t.calls,
            "month_usd": _usd(m.cost_usd),
            "month_calls": m.calls,
            "local_share_today": t.local_share_calls,
            "local_share_month": m.local_share_calls,
            "saving_month_usd": _usd(m.saving_usd),
            "all_frontier_month_usd": _usd(m.counterfactual_usd),
            "mean_daily_usd": _usd(window.mean_daily_usd),
            "p95_daily_usd": _usd(window.p95_daily_usd),
            "window_days": len(window.days),
            "recent": [_session(r) for r in reversed(rows)],
        }
    }


def _backend(backend: Any) -> dict[str, Any]:
    config = backend.config
    state = backend.breaker.state
    pool = getattr(backend, "pool", None)
    replicas = [
        {"label": r.label, "health": r.health, "load": r.load}
        for r in (getattr(pool, "replicas", None) or [])
    ]
    waiting = pool.waiting() if pool is not None and hasattr(pool, "waiting") else 0
    return {
        "name": backend.name,
        "kind": config.kind,
        "circuit": getattr(state, "value", str(state)),
        "replicas": replicas,
        "waiting": waiting,
    }


def gateway_numbers(state: Any) -> dict[str, Any]:
    """Backends with their circuit states and replicas, queue depth, the share target."""
    backends = [_backend(b) for b in state.backends]
    brain = state.brain
    share = getattr(brain, "share", None) if brain is not None else None
    kinds = {b["kind"] for b in backends}
    return {
        "backends": backends,
        "in_flight": state.active,
        "queued": sum(b["waiting"] for b in backends),
        "share_target": getattr(share, "target", None),
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
