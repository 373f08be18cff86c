"""``fulcrum route explain``'s output: an :class:`Explanation` rendered as text or JSON.

The explanation holds the request's features, every rule tried and why, and the decision.
``score``, ``threshold``, ``share`` and ``budget`` are shown only when set (the learned
router's P(frontier needed), the threshold that holds the local-share target, and the
share and budget state); nothing is shown that was not computed.

:func:`rule_decision` is the routing brain's precedence for what the rules alone decide,
without a session's pin, the latency SLO or the budget (those need a running gateway):
a ``never_leaves`` rule routes local; a matching rule routes where it says (a ``handoff``
rule also moves a session already on local); with no rule, titles and background calls go
local and everything else goes to ``otherwise`` (by default, the learned router).
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
        ("secrets", ", ".join(f.secrets) or "none"),
        ("local time", clock),
        ("text", text.replace("\n", " ") or "-"),
    ]


def as_dict(e: Explanation) -> dict[str, Any]:
    """The ``--json`` body: features, every rule tried, the decision, and what is set of the
    learned router, share and budget."""
    out: dict[str, Any] = {
        "features": e.features.as_dict(),
        "rules": [
            {"name": c.rule.name, "matched": c.matched, "fired": c.fired, "why": c.why}
            for c in e.outcome.trace
        ],
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
    features = RichTable(title="Request", show_header=False, width=WIDTH)
    features.add_column("feature", style="bold", no_wrap=True)
    features.add_column("value", overflow="fold")
    for name, value in feature_rows(e.features):
        features.add_row(name, value)
    console.print(features)
    rules = RichTable(title=f"Rules ({e.source})" if e.source else "Rules", width=WIDTH)
    rules.add_column("#", justify="right")
    rules.add_column("rule", overflow="fold")
    rules.add_column("result", no_wrap=True)
    rules.add_column("why", overflow="fold")
    for i, check in enumerate(e.outcome.trace):
        result = "fired" if check.fired else "matched" if check.matched else "no match"
        rules.add_row(str(i), check.rule.name, result, check.why)
    if not e.outcome.rules:
        rules.add_row("-", "(no rules)", "", "")
    console.print(rules)
    _decision(e, console)


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
