"""The routing brain: policy rules, session lock, learned router with a share target,
the local latency SLO and the frontier budget, in that order of precedence.

1. A matching ``never_leaves`` rule: local, whatever else says (budget, learned, sticky).
2. A move: ``X-Fulcrum-Route``'s target, or an escalation (``X-Fulcrum-Escalate: frontier``, a
   ``handoff`` rule matching a local session) to the frontier, at this turn's boundary.
3. The session's pin (its lane: main, background, or one subagent conversation): a session
   never switches model inside itself otherwise, tool loops included.
4. The first matching rule with a route (``local``, ``frontier`` or a target).
5. ``otherwise``: the learned router's P(frontier needed) against the share's threshold.

A session with no pin (one this gateway has not seen: a new session or lane, another client
key, a conversation met mid-way, or no session at all) is scanned for secrets whole, not only
its new part, when a rule reads secrets (:func:`fulcrum.routing.bodyscan.scan_whole`).

Then, for a new decision only, the latency SLO may spill a local choice to the frontier; and
any frontier choice must reserve its estimated cost in the budget, or it degrades to local
(or is refused, by configuration). Every request is counted in the share controller.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from fulcrum.routing.bodyscan import scan_whole
from fulcrum.routing.brain import handoff
from fulcrum.routing.brain.ask import BACKGROUND, Ask, Scorer
from fulcrum.routing.brain.cascade import check_cascade_targets, mark_cascade
from fulcrum.routing.brain.config import LEARNED, PolicyConfig
from fulcrum.routing.brain.handoff import CostEstimate
from fulcrum.routing.brain.pins import NEVER_LEAVES, held_local, pin_target, repin, verdict_pin
from fulcrum.routing.brain.verdict import Side, Verdict
from fulcrum.routing.budget import BudgetBook, Reservation
from fulcrum.routing.config import RoutingConfig, TargetSpec, served_model
from fulcrum.routing.policy import PolicyOutcome, Rule, evaluate
from fulcrum.routing.sessions import SessionPin, SessionStore
from fulcrum.routing.share import ShareController
from fulcrum.routing.slo import LatencyGuard
from fulcrum.wire.condense import Cut

__all__ = ["BACKGROUND", "Ask", "Brain", "Scorer"]  # Ask and Scorer: fulcrum.routing.brain.ask


class Brain:
    def __init__(
        self,
        policy: PolicyConfig,
        routing: RoutingConfig,
        *,
        scorer: Scorer | None,
        share: ShareController,
        sessions: SessionStore,
        budget: BudgetBook | None = None,
        latency: LatencyGuard | None = None,
        estimate: CostEstimate | None = None,
        blocking: bool = False,
    ) -> None:
        self.policy = policy
        self.routing = routing
        self.scorer = scorer
        self.share = share
        self.sessions = sessions
        self.budget = budget
        self.latency = latency
        self.estimate = estimate
        check_cascade_targets(policy.rules, policy.routes, routing, source=policy.source)
        self.reads_secrets = policy.reads_secrets
        # A database server behind the pins or the budget: decide in a worker thread (a local
        # SQLite file is quicker inline than a thread hop).
        self.blocking = blocking

    def decide(self, ask: Ask) -> tuple[Verdict, PolicyOutcome]:
        pin = None
        if ask.session:  # a dry run touches nothing: it peeks
            pin = (self.sessions.peek if ask.dry else self.sessions.get)(ask.session, ask.lane)
        if pin is None and ask.body is not None and self.reads_secrets:
            scan_whole(ask.features, ask.body)  # the pin vouched for what came before
        outcome = evaluate(self.policy.rules, ask.features)
        verdict = self._choose(ask, outcome.rule, pin)
        if pin is None or verdict.reason.startswith(handoff.MOVES):
            verdict = self._spill_if_slow(verdict)
        verdict = self._within_budget(verdict, ask)
        verdict = mark_cascade(verdict, outcome.rule, lambda t: self._kind(t) == "local")
        if ask.dry:
            return verdict, outcome
        self._count(verdict, ask)
        if ask.session and repin(pin, verdict):
            self.sessions.put(ask.session, ask.lane, verdict_pin(verdict))
        return verdict, outcome

    def pin(self, ask: Ask, backend: str, model: str, verdict: Verdict | None = None) -> None:
        """Pin the session's lane to the target that answered after a failover (a session
        held local stays held)."""
        if ask.session:
            held = verdict if verdict and verdict.reason.startswith(NEVER_LEAVES) else None
            pin = SessionPin(backend=backend, model=model, side=self._side_of(TargetSpec(backend)),
                             rule=held.rule if held else None,
                             decided_by=held.reason if held else "")  # fmt: skip
            self.sessions.put(ask.session, ask.lane, pin)

    def failed_over(self, ask: Ask, verdict: Verdict, origin: str, target: TargetSpec) -> Verdict:
        """A local route (``origin``) failed before its first byte: the session moves to
        ``target`` on the frontier, priced and held in the budget as a move (the verdict kept
        local when the budget degrades it; a refusing budget raises) and pinned there."""
        f = ask.features
        moved = handoff.failover(verdict, origin, target, model=f.model,
                                 tokens=f.estimated_tokens, estimate=self.estimate)  # fmt: skip
        moved = self._within_budget(moved, ask)
        if ask.session and moved.side == "frontier":
            self.sessions.put(ask.session, ask.lane, verdict_pin(moved))
        return moved

    def observe_local(self, backend: str, ttft_ms: float) -> None:
        """A local call's time to first token, for the latency guard (it reads queues itself)."""
        if self.latency is not None:
            self.latency.observe_ttft(backend, ttft_ms)

    def settle(self, reservation: Any, cost: Decimal | None) -> None:
        """Replace a reservation with the call's real cost (0 when it failed or is unknown)."""
        if self.budget is not None:
            self.budget.settle(reservation, cost if cost is not None else Decimal(0))

    def _choose(self, ask: Ask, rule: Rule | None, pin: SessionPin | None) -> Verdict:
        if rule is not None and rule.never_leaves:
            return Verdict(self.policy.local, "local", f"{NEVER_LEAVES}{rule.name}",
                           rule=rule.name, local_only=True)  # fmt: skip
        if held_local(pin):  # what matched is in its history: no move
            return Verdict(pin_target(pin), "local", pin.decided_by, rule=pin.rule,
                           local_only=True)  # fmt: skip
        if ask.route is not None:  # a deliberate move: pinned, as any new decision is
            return Verdict(ask.route, self._side_of(ask.route), "header")
        if ask.escalate and (pin is None or pin.side != "frontier"):  # else: already moved
            return self._escalate(ask, "escalate:header", None, pin)
        if rule is not None and rule.handoff and pin is not None and pin.side == "local":
            return self._escalate(ask, f"handoff:{rule.name}", rule.name, pin)
        if pin is not None:
            return Verdict(pin_target(pin), pin.side, "sticky", rule=pin.rule,
                           free=pin.decided_by == LEARNED, cut=handoff.kept_cut(pin))  # fmt: skip
        if rule is None and ask.lane == BACKGROUND:  # titles and housekeeping: the small model
            return Verdict(self.policy.local, "local", "background→local")
        if rule is not None and rule.route != LEARNED:
            side = self._side(rule.route)
            return Verdict(self.policy.target(rule.route), side, f"rule:{rule.name}",
                           rule=rule.name)  # fmt: skip
        if rule is None and self.policy.otherwise != LEARNED:
            route = self.policy.otherwise
            return Verdict(self.policy.target(route), self._side(route), "otherwise")
        return self._learned(ask, rule)

    def _learned(self, ask: Ask, rule: Rule | None) -> Verdict:
        score = self.scorer(ask.features) if self.scorer is not None else 0.0
        if ask.dry:
            threshold = self.share.threshold()
            frontier = score >= threshold
        else:
            frontier, threshold = self.share.decide(score)
        side: Side = "frontier" if frontier else "local"
        target = self.policy.frontier if frontier else self.policy.local
        reason = f"rule:{rule.name}→learned" if rule is not None else "learned"
        name = rule.name if rule is not None else None
        return Verdict(target, side, reason, rule=name, score=score, threshold=threshold,
                       free=True)  # fmt: skip

    def _escalate(self, ask: Ask, reason: str, rule: str | None, pin: SessionPin | None) -> Verdict:
        features = ask.features
        return handoff.move(self.policy.frontier, features.model, features.estimated_tokens,
                            reason=reason, rule=rule, origin=handoff.origin_of(pin),
                            estimate=self.estimate)  # fmt: skip

    def condensed(self, ask: Ask, verdict: Verdict, cut: Cut, tokens: int) -> Verdict:
        """A move whose history the gateway condensed (``cut``, ``tokens`` left): priced at
        the condensed prompt, and the cut kept in the lane's pin for the session's later turns."""
        if ask.session and not ask.dry:
            self.sessions.put(
                ask.session,
                ask.lane,
                replace(verdict_pin(verdict), decision={"cut": cut.as_dict()}),
            )
        return handoff.condensed(verdict, ask.features.model, tokens, self.estimate)

    def _spill_if_slow(self, verdict: Verdict) -> Verdict:
        guard = self.latency
        if guard is None or verdict.side != "local" or verdict.local_only:
            return verdict
        if not guard.spilling(verdict.target.backend):
            return verdict
        return replace(verdict, target=self.policy.frontier, side="frontier", free=False,
                       reason=f"{verdict.reason}+slo-spill",
                       events=(*verdict.events, "slo-spill"))  # fmt: skip

    def _within_budget(self, verdict: Verdict, ask: Ask) -> Verdict:
        if self.budget is None or verdict.side == "local" or self.estimate is None:
            return verdict
        tokens_out = ask.max_tokens or 4096
        caps = self.routing.backend(verdict.target.backend)  # its model as the router serves it
        model = verdict.target.model or served_model(caps, ask.features.model)
        cost = self.estimate(caps.name, model, ask.features.estimated_tokens, tokens_out)
        key = ask.features.client_key
        amount = cost if cost is not None else Decimal(0)
        if ask.dry:
            return self._budget_check(verdict, key, amount)
        held = self.budget.reserve(key, amount)
        if isinstance(held, Reservation):
            return replace(verdict, reservation=held)
        if self.budget.config.on_exhausted == "refuse":
            raise held.error()
        return self._degraded(verdict, held.reason)

    def _degraded(self, verdict: Verdict, why: str) -> Verdict:
        """``verdict`` kept local by the budget (``why``: the window short of money)."""
        return replace(verdict, target=self.policy.local, side="local", local_only=True, free=False,
                       reason=f"{verdict.reason}+budget→local",
                       events=(*verdict.events, "budget-degraded"),
                       details={**verdict.details, "budget": why})  # fmt: skip

    def _budget_check(self, verdict: Verdict, key: str | None, amount: Decimal) -> Verdict:
        """The dry run's budget: would a reservation of ``amount`` fit every window now?"""
        assert self.budget is not None
        short = [s.name for s in self.budget.status(key).values() if not s.fits(amount)]
        if not short:
            return verdict
        if self.budget.config.on_exhausted == "refuse":  # the gateway would answer 429
            return replace(verdict, events=(*verdict.events, "budget-refused"),
                           details={**verdict.details, "budget": f"budget:{short[0]}"})  # fmt: skip
        return self._degraded(verdict, f"budget:{short[0]}")

    def _count(self, verdict: Verdict, ask: Ask) -> None:
        forced = not verdict.free
        local = verdict.side == "local" or (
            verdict.side == "target" and self._kind(verdict.target) == "local"
        )
        self.share.count(local=local, tokens=ask.features.estimated_tokens, forced=forced)

    def _side(self, route: str) -> Side:
        if route in ("local", "frontier"):
            return "local" if route == "local" else "frontier"
        return self._side_of(self.policy.target(route))

    def _side_of(self, target: TargetSpec) -> Side:
        return "local" if self._kind(target) == "local" else "frontier"

    def _kind(self, target: TargetSpec) -> str:
        return self.routing.backend(target.backend).kind
