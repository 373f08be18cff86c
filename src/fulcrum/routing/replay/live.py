"""``route explain`` with a gateway config: the brain's real decision for one request, dry.

:func:`explain_live` builds the gateway's own brain (:func:`fulcrum.gateway.brainsetup.
build_brain`) on the config's ledger database, so the session pins and the budget are the
live, shared ones, and asks it as the gateway would (the same lane, escalation header and
output limit) with ``dry=True``: the brain reads the pins, the share threshold and the
budget and changes nothing. The latency guard is per process; its state is rebuilt from the
ledger's recent local calls (:mod:`fulcrum.routing.replay.latency`). The share controller
is per process too and is not rebuilt: a fresh one has counted nothing, and the view says
so. Without a ``[policy]`` the gateway routes by ``[routes]`` alone; so does the view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fulcrum.gateway.app import ledger_pricer
from fulcrum.gateway.brainroute import escalate, header_route, lane, pin_key, session_of
from fulcrum.gateway.brainsetup import build_brain
from fulcrum.gateway.config import GatewayConfig
from fulcrum.gateway.state import startup_catalog
from fulcrum.ledger import open_store
from fulcrum.routing.brain.decide import Ask, Brain
from fulcrum.routing.brain.handoff import moving
from fulcrum.routing.brain.verdict import Verdict
from fulcrum.routing.budget import open_database, status_report
from fulcrum.routing.features import RequestFeatures
from fulcrum.routing.policy import PolicyOutcome, evaluate
from fulcrum.routing.replay.latency import guard_from_ledger
from fulcrum.routing.request import RouteRequest
from fulcrum.routing.router import RouteDecision, Router
from fulcrum.routing.sessions import SessionPin
from fulcrum.routing.share import ShareState
from fulcrum.routing.slo import LatencyState

FRESH_SHARE = (
    "share controller: per gateway process, and this one is fresh (no traffic counted), so "
    "the threshold is its starting value; a running gateway's follows its traffic "
    "(fulcrum_route_threshold in its /metrics)"
)


@dataclass(frozen=True, slots=True)
class LatencyView:
    states: tuple[LatencyState, ...]
    samples: int  # local TTFTs read from the ledger
    since: datetime
    window_s: float
    percentile: float
    queue_limited: bool  # a queue limit is configured (queue depths are not recorded)


@dataclass(frozen=True, slots=True)
class LiveView:
    """Everything ``route explain`` shows of one request against the live state."""

    features: RequestFeatures
    outcome: PolicyOutcome
    chain: RouteDecision
    source: str
    lane: str
    verdict: Verdict | None = None  # None: no [policy], the gateway routes by [routes]
    pin: SessionPin | None = None
    share: ShareState | None = None
    budget: Mapping[str, Mapping[str, Any]] | None = None
    latency: LatencyView | None = None
    notes: tuple[str, ...] = ()


def explain_live(
    config: GatewayConfig, req: RouteRequest, body: Mapping[str, Any], features: RequestFeatures
) -> LiveView:
    """The gateway's decision for one request now (see the module docstring)."""
    assert config.routes is not None, "routes are built with the config"
    router = Router(config.routes)
    if config.policy is not None:
        req.session = session_of(config.policy, req, body, features.client_key,
                                 features.user_agent)  # fmt: skip
    ask = Ask(features=features, session=pin_key(req.session, features.client_key),
              lane=lane(features, body),
              escalate=escalate(req.headers), max_tokens=req.max_tokens, dry=True,
              route=header_route(router, req), body=body)  # fmt: skip
    if config.policy is None:
        note = "no [policy]: the gateway routes by [routes] alone (no brain, no rules)"
        return LiveView(features, evaluate((), features), router.choose(req, record=False),
                        config.source, ask.lane, notes=(note,))  # fmt: skip
    db = open_database(config.ledger.url)  # the gateway's: its pins and budget
    brain = None
    try:
        brain = build_brain(config, ledger_pricer(config, startup_catalog()), db)
        assert brain is not None
        return _decide(brain, config, router, req, ask)
    finally:
        if brain is not None and brain.budget is not None:
            brain.budget.close()  # a dry run took no lease; this stops the book's thread
        db.close()


def _decide(
    brain: Brain, config: GatewayConfig, router: Router, req: RouteRequest, ask: Ask
) -> LiveView:
    latency = _rebuild_latency(brain, config)
    pin = brain.sessions.peek(ask.session, ask.lane) if ask.session else None
    verdict, outcome = brain.decide(ask)
    chain = router.choose_target(req, verdict.target, verdict.reason,
                                 local_only=verdict.local_only)  # fmt: skip
    share = brain.share.state()
    budget = status_report(brain.budget) if brain.budget is not None else None
    fresh = share.requests == 0 and brain.policy.uses_learned
    notes = [FRESH_SHARE] if fresh else []
    on_exhausted = brain.budget.config.on_exhausted if brain.budget is not None else None
    if "budget-refused" in verdict.events and on_exhausted == "refuse":
        notes.append('the gateway refuses this request (HTTP 429, on_exhausted = "refuse") '
                     "rather than route it locally")  # fmt: skip
    notes += _condensing(brain, verdict)
    source = brain.policy.source
    return LiveView(ask.features, outcome, chain, source, ask.lane, verdict, pin, share,
                    budget, latency, tuple(notes))  # fmt: skip


def _condensing(brain: Brain, verdict: Verdict) -> list[str]:
    """What the gateway sends of a moved session's history (``[policy] condense_handoffs``)."""
    if not brain.policy.condense_handoffs:
        return []
    if (cut := verdict.cut) is not None:
        return [f"the session moved with its history condensed: its first {cut.upto} messages "
                "go as the opening ones and a summary of the rest, while the client's history "
                "still starts as it did"]  # fmt: skip
    if moving(verdict):
        return ["the move sends the history condensed when a summary halves the turns before "
                "the last one (the gateway cuts it at the move)"]  # fmt: skip
    return []


def _rebuild_latency(brain: Brain, config: GatewayConfig) -> LatencyView | None:
    """Put a guard rebuilt from the ledger in the brain; None without a latency SLO."""
    latency = brain.policy.latency
    if latency is None:
        return None
    store = open_store(config.ledger.url)
    try:
        rebuilt = guard_from_ledger(latency, store)
    finally:
        store.close()
    brain.latency = rebuilt.guard
    backends = {brain.policy.local.backend, *rebuilt.guard.backends()}
    states = tuple(rebuilt.guard.state(b) for b in sorted(backends))
    return LatencyView(states, rebuilt.samples, rebuilt.since, latency.window_s,
                       latency.ttft_percentile, latency.queue_max is not None)  # fmt: skip
