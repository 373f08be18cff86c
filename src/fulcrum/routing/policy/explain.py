"""``fulcrum route explain``'s output from the rules alone (``--policy`` without a config),
and the tables every explanation shares (the request's features, every rule tried and why).

With a gateway config, ``route explain`` shows the brain's real decision instead
(:mod:`fulcrum.routing.replay.live`); this module serves a policy file on its own, whose
routes name no backends yet. ``score``, ``threshold``, ``share`` and ``budget`` are shown
only when set; nothing is shown that was not computed.

:func:`rule_decision` is the routing brain's precedence for what the rules alone decide,
without a session's pin, the latency SLO or the budget: a ``never_leaves`` rule routes
local; a matching rule routes where it says (a ``handoff`` rule also moves a session already
on local); with no rule, titles and background calls go local and everything else goes to
``otherwise`` (by default, the learned router).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

from fulcrum.routing.features import RequestFeatures
from fulcrum.routing.policy.rules import PolicyOutcome
from fulcrum.routing.policy.timing import WEEKDAYS

LEARNED = "learned"
BACKGROUND_KINDS = frozenset({"background", "title"})
WIDTH = 80
SCOPES = {"whole": "whole request read", "new": "new part read: pinned"}
RULES_ONLY = (
    "rules only: a session's pin, the budget, the latency SLO and the learned router need "
    "the gateway config (--config)"
)


@dataclass(frozen=True, slots=True)
class Explanation:
    features: RequestFeatures
    outcome: PolicyOutcome
    final_route: str
    reason: str
    notes: tuple[str, ...] = ()
    source: str | None = None  # where the rules came from
    score: float | None = None
    threshold: float | None = None
    share: Mapping[str, Any] | None = None
    budget: Mapping[str, Any] | None = None


def rule_decision(
    outcome: PolicyOutcome, otherwise: str = LEARNED
) -> tuple[str, str, tuple[str, ...]]:
    """(route, reason, notes) from the rules alone; see the module docstring."""
    rule = outcome.rule
    if rule is not None and rule.never_leaves:
        return "local", f"never-leaves:{rule.name}", ()
    if rule is not None:
        notes = (
            (f"handoff: a session already on local moves to the frontier (handoff:{rule.name})",)
            if rule.handoff
            else ()
        )
        if rule.route == LEARNED:
            return LEARNED, f"rule:{rule.name}→learned", notes
        return rule.route, f"rule:{rule.name}", notes
    if outcome.features.kind in BACKGROUND_KINDS:
        return "local", "background→local", ()
    return otherwise, "learned" if otherwise == LEARNED else "otherwise", ()


def explain(
    outcome: PolicyOutcome, *, otherwise: str = LEARNED, source: str | None = None
) -> Explanation:
    route, reason, notes = rule_decision(outcome, otherwise)
    if route == LEARNED:
        notes = (*notes, "the learned router chooses local or frontier; it is not run here")
    notes = (*notes, RULES_ONLY)
    return Explanation(outcome.features, outcome, route, reason, notes, source)


def feature_rows(f: RequestFeatures) -> list[tuple[str, str]]:
    """The features worth reading, as (name, value) text pairs."""
    clock = f"{f.hour:02d}:{f.minute:02d} {WEEKDAYS[f.weekday % 7]}"
    text = f.text if len(f.text) <= 120 else f.text[:117] + "..."
    return [
        ("api / model", f"{f.api} / {f.model or '-'}"),
        ("kind", f.kind),
        ("user agent", f.user_agent or "-"),
        ("client key", f.client_key or "-"),
        ("tools", f"{f.tool_count} declared" if f.has_tools else "none"),
        ("estimated tokens", f"{f.estimated_tokens:,}"),
        ("thinking", "yes" if f.thinking else "no"),
        ("working directory", f.cwd or "-"),
        ("repository", f.repo or "-"),
        ("turn", str(f.turn)),
        ("tool errors in a row", str(f.tool_errors)),
        ("secrets", f"{', '.join(f.secrets) or 'none'} ({SCOPES.get(f.scanned, f.scanned)})"),
        ("local time", clock),
        ("text", text.replace("\n", " ") or "-"),
    ]


def rules_dict(outcome: PolicyOutcome) -> list[dict[str, Any]]:
    """Every rule tried, JSON-ready."""
    return [
        {"name": c.rule.name, "matched": c.matched, "fired": c.fired, "why": c.why}
        for c in outcome.trace
    ]


def as_dict(e: Explanation) -> dict[str, Any]:
    """The ``--json`` body: features, every rule tried, the decision, and what is set of the
    learned router, share and budget."""
    out: dict[str, Any] = {
        "mode": "rules",
        "features": e.features.as_dict(),
        "rules": rules_dict(e.outcome),
        "rule": e.outcome.rule.name if e.outcome.rule is not None else None,
        "route": e.final_route,
        "reason": e.reason,
        "notes": list(e.notes),
        "source": e.source,
    }
    for key in ("score", "threshold", "share", "budget"):
        value = getattr(e, key)
        if value is not None:
            out[key] = dict(value) if isinstance(value, Mapping) else value
    return out


def render(e: Explanation, console: Console) -> None:
    """The text report, at most :data:`WIDTH` columns."""
    render_features(e.features, console)
    render_rules(e.outcome, e.source, console)
    _decision(e, console)


def pairs_table(title: str, rows: list[tuple[str, str]]) -> RichTable:
    """A two-column table of (name, value) text at :data:`WIDTH` columns."""
    table = RichTable(title=title, show_header=False, width=WIDTH)
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for name, value in rows:
        table.add_row(name, value)
    return table


def render_features(features: RequestFeatures, console: Console) -> None:
    console.print(pairs_table("Request", feature_rows(features)))


def render_rules(outcome: PolicyOutcome, source: str | None, console: Console) -> None:
    """Every rule tried: fired, matched or no match, and why."""
    rules = RichTable(title=f"Rules ({source})" if source else "Rules", width=WIDTH)
    rules.add_column("#", justify="right")
    rules.add_column("rule", overflow="fold")
    rules.add_column("result", no_wrap=True)
    rules.add_column("why", overflow="fold")
    for i, check in enumerate(outcome.trace):
        result = "fired" if check.fired else "matched" if check.matched else "no match"
        rules.add_row(str(i), check.rule.name, result, check.why)
    if not outcome.rules:
        rules.add_row("-", "(no rules)", "", "")
    console.print(rules)


def _decision(e: Explanation, console: Console) -> None:
    fired = e.outcome.rule.name if e.outcome.rule is not None else "none"
    console.print(f"rule fired: {fired}")
    for key in ("score", "threshold"):
        value = getattr(e, key)
        if value is not None:
            console.print(f"{key}: {value:.3f}")
    for key in ("share", "budget"):
        value = getattr(e, key)
        if value is not None:
            console.print(f"{key}: " + ", ".join(f"{k}={v}" for k, v in value.items()))
    for note in e.notes:
        console.print(f"note: {note}")
    console.print(f"route: {e.final_route}  (reason: {e.reason})", style="bold")
