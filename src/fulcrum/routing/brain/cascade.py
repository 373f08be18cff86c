"""Cascade rules in the brain: which verdicts cascade, the check of their targets, and the
budget hold of a cascade's frontier step.

A ``cascade = true`` rule routes local first; the gateway verifies the local answer and asks
the frontier only when the check fails (``fulcrum.gateway.answer.cascade``). Here:

- :func:`mark_cascade`: a verdict cascades when the fired rule cascades and the verdict is
  still on the local side (a session pinned local included: the pin stays local, the frontier
  step is per request). A verdict the SLO spilled, an escalation, a pin on the frontier or a
  ``local_only`` verdict (secrets, an exhausted budget) does not;
- :func:`check_cascade_targets`: a cascading rule's route must be local (``local`` or a target
  on a ``local`` backend), checked at start-up;
- :func:`hold`: the frontier call's estimated cost held in the budget, exactly as a frontier
  decision holds it (the target's price card, the estimated input, the output limit).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal

from fulcrum.errors import ConfigError
from fulcrum.routing.brain.handoff import CostEstimate
from fulcrum.routing.brain.verdict import Verdict
from fulcrum.routing.budget import BudgetBook, Refusal, Reservation
from fulcrum.routing.config import RoutingConfig, TargetSpec
from fulcrum.routing.features import RequestFeatures
from fulcrum.routing.policy import Rule

DEFAULT_TOKENS_OUT = 4096  # a reservation's output when the request sets no limit


def mark_cascade(
    verdict: Verdict, rule: Rule | None, is_local: Callable[[TargetSpec], bool]
) -> Verdict:
    """``verdict`` with the cascade flag when ``rule`` cascades and the verdict stays local."""
    if rule is None or not rule.cascade or verdict.local_only:
        return verdict
    local = verdict.side == "local" or (verdict.side == "target" and is_local(verdict.target))
    if not local:
        return verdict
    return replace(verdict, cascade=True, verify=rule.verify)


def check_cascade_targets(
    rules: tuple[Rule, ...], routes: Mapping[str, TargetSpec], routing: RoutingConfig,
    *, source: str,
) -> None:  # fmt: skip
    """A cascading rule whose route resolves to an api backend is a ``ConfigError``."""
    for index, rule in enumerate(rules):
        target = routes.get(rule.route) if rule.cascade else None
        if target is None or routing.backend(target.backend).kind == "local":
            continue
        raise ConfigError(
            'expected true only on a rule whose route is local ("local" or a target on a '
            f"local backend), got true with route {rule.route!r} (backend kind api)",
            file=source,
            field=f"policy.rules[{index}].cascade",
        )


def hold(
    budget: BudgetBook, estimate: CostEstimate, target: TargetSpec,
    features: RequestFeatures, max_tokens: int | None,
) -> Reservation | Refusal:  # fmt: skip
    """Reserve a frontier call to ``target`` (an unknown price holds 0, as a decision does)."""
    model = target.model or features.model
    tokens_out = max_tokens or DEFAULT_TOKENS_OUT
    cost = estimate(target.backend, model, features.estimated_tokens, tokens_out)
    return budget.reserve(features.client_key, cost if cost is not None else Decimal(0))
