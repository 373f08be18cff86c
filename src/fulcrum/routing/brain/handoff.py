"""A session's move to the frontier (``X-Fulcrum-Escalate: frontier``, a ``handoff`` rule, or a
failover from a local route whose servers all failed): its verdict, the price of the move, and
the cut of its condensed history.

The new side has none of the conversation cached, so the move's price is its whole prompt read
once at the full input price. When the gateway condenses the history it moves with
(:mod:`fulcrum.wire.condense`), the move is priced at the condensed prompt and the cut is kept
in the lane's pin (its ``decision``), so every later turn of the session condenses the same
prefix the same way: in every gateway process, as pins are shared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from fulcrum.routing.brain.verdict import Verdict
from fulcrum.routing.config import TargetSpec
from fulcrum.routing.sessions import SessionPin
from fulcrum.wire.condense import Cut

MOVES = ("escalate", "handoff", "failover")  # a move's route reasons (a pin's decided_by too)
# (backend, model, input tokens, output tokens) -> the call's estimated cost in USD
CostEstimate = Callable[[str, str, int, int], Decimal | None]


def move(
    target: TargetSpec, model: str, tokens: int, *, reason: str, rule: str | None,
    origin: str | None, estimate: CostEstimate | None,
) -> Verdict:  # fmt: skip
    """The verdict that moves a session from ``origin`` (``backend/model``, None when it was
    not pinned) to ``target`` (the frontier), with its price."""
    moved = {
        "from": origin,
        "to": target.label,
        "uncached_tokens": tokens,
        "cache_cost_usd": _cost(estimate, target, model, tokens),
    }
    return Verdict(target, "frontier", reason, rule=rule, events=("handoff",),
                   details={"handoff": moved})  # fmt: skip


def failover(
    verdict: Verdict, origin: str, target: TargetSpec, *, model: str, tokens: int,
    estimate: CostEstimate | None,
) -> Verdict:  # fmt: skip
    """The move of a session whose local route (``origin``) failed before its first byte: to
    ``target``, the chain's next step on the frontier; the local decision's score is kept."""
    moved = move(target, model, tokens, reason=f"failover:{verdict.reason}", rule=verdict.rule,
                 origin=origin, estimate=estimate)  # fmt: skip
    return replace(moved, events=("failover", *moved.events), score=verdict.score,
                   threshold=verdict.threshold)  # fmt: skip


def origin_of(pin: SessionPin | None) -> str | None:
    """A pinned session's side before a move, as ``backend/model``."""
    return TargetSpec(pin.backend, pin.model).label if pin is not None else None


def condensed(verdict: Verdict, model: str, tokens: int, estimate: CostEstimate | None) -> Verdict:
    """A move whose history the gateway condensed to ``tokens``: priced at those."""
    moved = dict(verdict.details["handoff"])
    moved["condensed_from_tokens"] = moved["uncached_tokens"]
    moved["uncached_tokens"] = tokens
    moved["cache_cost_usd"] = _cost(estimate, verdict.target, model, tokens)
    return replace(verdict, events=(*verdict.events, "condensed"),
                   details={**verdict.details, "handoff": moved})  # fmt: skip


def moving(verdict: Verdict) -> bool:
    """Whether this request moves its session to the frontier now (a move the budget kept
    local does not: its history stays whole)."""
    return "handoff" in verdict.events and verdict.side == "frontier"


def kept_cut(pin: SessionPin) -> Cut | None:
    """The cut a moved session's pin keeps (None for any other pin: never parsed then)."""
    if not pin.decided_by.startswith(MOVES):
        return None
    return Cut.of(pin.decision.get("cut"))


def _cost(estimate: CostEstimate | None, target: TargetSpec, model: str, tokens: int) -> str | None:
    if estimate is None:
        return None
    cost = estimate(target.backend, target.model or model, tokens, 0)
    return None if cost is None else str(cost)
