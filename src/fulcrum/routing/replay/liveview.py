"""A :class:`~fulcrum.routing.replay.live.LiveView` as text (80 columns) or one JSON object."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from fulcrum.routing.config import TargetSpec
from fulcrum.routing.policy.explain import (
    pairs_table,
    render_features,
    render_rules,
    rules_dict,
)
from fulcrum.routing.replay.live import LatencyView, LiveView
from fulcrum.routing.router import RouteDecision
from fulcrum.routing.sessions import SessionPin

REFUSED = "budget-refused"  # a dry verdict's event: on_exhausted = "refuse" answers 429


def route_label(view: LiveView) -> str:
    if view.verdict is None:
        return view.chain.primary.label
    if REFUSED in view.verdict.events:
        return "refused (HTTP 429)"
    return view.verdict.target.label


def reason(view: LiveView) -> str:
    if view.verdict is None:
        return view.chain.reason
    refused = REFUSED in view.verdict.events
    return f"{view.verdict.reason}+{REFUSED}" if refused else view.verdict.reason


def rule_of(view: LiveView) -> str | None:
    """The rule the ledger's row would name: the verdict's (a pin's rule holds a session),
    else the one that fired."""
    if view.verdict is not None and view.verdict.rule is not None:
        return view.verdict.rule
    return view.outcome.rule.name if view.outcome.rule is not None else None


def as_dict(view: LiveView) -> dict[str, Any]:
    """The ``--json`` body (money as decimal strings)."""
    share = view.share.as_dict() if view.share is not None else None
    if share is not None:
        share["fresh"] = share["requests"] == 0
    return {
        "mode": "brain" if view.verdict is not None else "routes",
        "source": view.source,
        "features": view.features.as_dict(),
        "rules": rules_dict(view.outcome),
        "rule": rule_of(view),
        "route": route_label(view),
        "reason": reason(view),
        "verdict": view.verdict.as_dict() if view.verdict is not None else None,
        "chain": _chain(view.chain),
        "chain_reason": view.chain.reason,
        "session": {"id": view.chain.session, "lane": view.lane, "pin": _pin(view.pin)},
        "share": share,
        "budget": {k: dict(v) for k, v in view.budget.items()} if view.budget else view.budget,
        "latency": _latency(view.latency),
        "notes": list(view.notes),
    }


def _chain(decision: RouteDecision) -> list[dict[str, Any]]:
    return [{"backend": t.backend, "model": t.model, "kind": t.kind} for t in decision.chain]


def _pin(pin: SessionPin | None) -> dict[str, Any] | None:
    if pin is None:
        return None
    return {"backend": pin.backend, "model": pin.model, "side": pin.side, "rule": pin.rule,
            "decided_by": pin.decided_by or None, "decided_at": _iso(pin.decided_at)}  # fmt: skip


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _latency(view: LatencyView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {
        "source": "ledger",
        "samples": view.samples,
        "since": view.since.isoformat(timespec="seconds"),
        "window_s": view.window_s,
        "backends": {s.backend: s.as_dict() for s in view.states},
    }


def render(view: LiveView, console: Console) -> None:
    """The text report: request, rules, decision, the state it read, the chain."""
    render_features(view.features, console)
    render_rules(view.outcome, view.source, console)
    console.print(pairs_table("Decision", _decision_rows(view)))
    state = _state_rows(view)
    if state:
        console.print(pairs_table("State the brain read", state))
    for note in view.notes:
        console.print(f"note: {note}")
    console.print(f"route: {route_label(view)}  (reason: {reason(view)})", style="bold")


def _decision_rows(view: LiveView) -> list[tuple[str, str]]:
    v = view.verdict
    fired = view.outcome.rule.name if view.outcome.rule is not None else "none"
    if v is not None and v.rule is not None and view.outcome.rule is None and view.pin is not None:
        fired = f"none (pin holds {v.rule})"
    rows = [("rule fired", fired)]
    if v is not None:
        side = "" if REFUSED in v.events else f" ({v.side})"
        rows += [("target", f"{route_label(view)}{side}"), ("reason", reason(view))]
        if v.rule is not None and v.rule != fired:
            rows.append(("rule recorded", v.rule))
        if v.score is not None:
            rows.append(("score", f"{v.score:.3f} (P(frontier needed))"))
        if v.threshold is not None:
            rows.append(("threshold", f"{v.threshold:.3f} (frontier at or above)"))
        rows.append(("events", ", ".join(v.events) or "none"))
        if "budget" in v.details:
            rows.append(("budget", str(v.details["budget"])))
        if v.local_only:
            rows.append(("local only", "yes: no frontier backend in the chain"))
        if v.cascade:
            checks = ", ".join(v.verify) or "every verifier that applies"
            rows.append(("cascade", f"local first, checked by {checks}; a failed check asks "
                         "the frontier (the ledger: …+cascade or …+cascade→frontier)"))  # fmt: skip
    chain = " → ".join(f"{t.label} ({t.kind})" for t in view.chain.chain)
    rows += [("failover chain", chain), ("chain reason", view.chain.reason)]
    return rows


def _state_rows(view: LiveView) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    session = view.chain.session
    if session is not None:
        rows.append(("session", f"{session} (lane {view.lane})"))
        rows.append(("pin", _pin_text(view.pin)))
    else:
        rows.append(("session", "none (no X-Fulcrum-Session, --session or metadata)"))
    if view.share is not None:
        s = view.share
        achieved = "-" if s.achieved_requests is None else f"{s.achieved_requests:.1%}"
        rows.append(("local share", f"target {s.target:.0%}, achieved {achieved} over "
                     f"{s.requests} requests, threshold {s.threshold:.3f}"))  # fmt: skip
    for name, w in (view.budget or {}).items():
        rows.append((f"budget {name}", f"{w['period']}: ${w['spent']} spent + "
                     f"${w['reserved']} held of ${w['limit']}, ${w['left']} left"))  # fmt: skip
    if view.latency is not None:
        rows += _latency_rows(view.latency)
    return rows


def _pin_text(pin: SessionPin | None) -> str:
    if pin is None:
        return "none: a new decision"
    target = TargetSpec(pin.backend, pin.model).label
    by = f", rule {pin.rule}" if pin.rule else ""
    at = _iso(pin.decided_at)
    return f"{target} ({pin.side}{by}{', since ' + at if at else ''})"


def _latency_rows(view: LatencyView) -> list[tuple[str, str]]:
    rows = [("latency", f"rebuilt from {view.samples} local TTFTs in the ledger since "
             f"{view.since:%H:%M:%S} UTC (window {view.window_s:g} s)")]  # fmt: skip
    for s in view.states:
        ttft = "-" if s.ttft_ms is None else f"{s.ttft_ms:,.0f} ms"
        state = f"spilling ({s.reason})" if s.spilling else "within the SLO"
        ttft = f"TTFT p{view.percentile:g} {ttft} of {s.samples} samples"
        rows.append((f"  {s.backend}", f"{state}; {ttft}"))
    if view.queue_limited:
        rows.append(("  queue", "depths are not recorded: taken as empty"))
    return rows
