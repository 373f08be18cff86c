"""Build the routing brain from the gateway config, once, and expose its state in /metrics.

The session pins and the budget live in the ledger's database ``db`` (SQLite, or PostgreSQL
shared by several gateway processes); the share controller and the latency guard are per
process.
"""

from __future__ import annotations

from functools import partial

from prometheus_client import Gauge

from fulcrum.gateway.brainroute import estimate_cost
from fulcrum.gateway.config import GatewayConfig
from fulcrum.gateway.metering import Metrics
from fulcrum.ledger.pricing import Pricer
from fulcrum.routing.brain.config import PolicyConfig
from fulcrum.routing.brain.decide import Brain, Scorer
from fulcrum.routing.budget import SharedDatabase, budget_book
from fulcrum.routing.features import RequestFeatures
from fulcrum.routing.sessions import session_store
from fulcrum.routing.share import ShareController
from fulcrum.routing.slo import LatencyGuard


def build_brain(config: GatewayConfig, pricer: Pricer, db: SharedDatabase) -> Brain | None:
    """The brain for ``config``'s ``[policy]``, or None when there is none."""
    policy, routing = config.policy, config.routes
    if policy is None or routing is None:
        return None
    scorer = policy_scorer(policy) if policy.uses_learned else None
    providers = {name: b.provider or None for name, b in config.backends.items()}
    return Brain(
        policy,
        routing,
        scorer=scorer,
        share=ShareController(target=policy.target_local_share, window=policy.share_window),
        sessions=session_store(
            db,
            ttl_s=routing.sticky_ttl_s,
            max_entries=routing.sticky_max_sessions,
            cache_s=routing.sticky_cache_s,
        ),
        budget=budget_book(policy.budget, db) if policy.budget is not None else None,
        latency=LatencyGuard(policy.latency) if policy.latency is not None else None,
        estimate=estimate_cost(pricer, providers),
        blocking=db.remote,
    )


def policy_scorer(policy: PolicyConfig) -> Scorer:
    """The learned router (the configured model, else the shipped one) as the brain's scorer:
    the current turn's text and the agent features of the request."""
    from fulcrum.routing.learned import AgentFeatures, LearnedRouter, load_default  # noqa: PLC0415 - numpy only with a learned policy

    model = policy.learned_model
    router = LearnedRouter.load(model) if model is not None else load_default()

    def score(f: RequestFeatures) -> float:
        agent = AgentFeatures(kind=f.kind, tools=f.tool_count, tokens=f.estimated_tokens,
                              turn=f.turn, tool_errors=f.tool_errors)  # fmt: skip
        return router.score(f.text, agent)

    return score


def brain_metrics(metrics: Metrics, brain: Brain) -> None:
    """Gauges read at scrape time: the achieved local share (requests and tokens), the
    target and the threshold in force."""
    share = brain.share
    registry = metrics.registry
    achieved = Gauge("fulcrum_local_share", "Achieved local share", ("unit",), registry=registry)
    achieved.labels("requests").set_function(lambda: _known(share.state().achieved_requests))
    achieved.labels("tokens").set_function(lambda: _known(share.state().achieved_tokens))
    target = Gauge("fulcrum_local_share_target", "Target local share", registry=registry)
    target.set_function(lambda: share.state().target)
    threshold = Gauge(
        "fulcrum_route_threshold",
        "The learned router's threshold in force (frontier when the score is at or above)",
        registry=registry,
    )
    threshold.set_function(share.threshold)
    if brain.latency is not None:
        local = [b.name for b in brain.routing.backends if b.kind == "local"]
        latency_metrics(metrics, brain.latency, local)


def latency_metrics(metrics: Metrics, guard: LatencyGuard, backends: list[str]) -> None:
    """Gauges read at scrape time, per local backend: whether new sessions spill from it to
    the frontier, and the recent time to first token the SLO compares with its limit."""
    registry = metrics.registry
    spilling = Gauge(
        "fulcrum_local_spilling",
        "1 while new sessions that would go to this local backend spill to the frontier "
        "(its latency SLO is exceeded), else 0",
        ("backend",),
        registry=registry,
    )
    ttft = Gauge(
        "fulcrum_local_ttft_ms",
        "The local backend's recent time to first token (the latency SLO's percentile over "
        "its window; no value below its minimum of samples)",
        ("backend",),
        registry=registry,
    )
    for name in backends:
        spilling.labels(name).set_function(partial(_spilling, guard, name))
        ttft.labels(name).set_function(partial(_ttft, guard, name))


def _spilling(guard: LatencyGuard, backend: str) -> float:
    return 1.0 if guard.state(backend).spilling else 0.0


def _ttft(guard: LatencyGuard, backend: str) -> float:
    return _known(guard.state(backend).ttft_ms)


def _known(value: float | None) -> float:
    """A share or a time, or NaN before any traffic (Prometheus' "no value")."""
    return float("nan") if value is None else value
