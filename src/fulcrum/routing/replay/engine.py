"""Run a fresh brain over recorded requests, in the recorded order, on the recorded clock.

The brain is built as the gateway builds it, but on nothing shared: session pins in memory,
an in-memory budget book, a new share controller, no latency guard (a replay cannot know the
latency the past would have seen under another policy). Its clock is the row's time, so pins
expire and the budget's day and month roll as they did. It decides for real (not dry): it
pins sessions, moves the share threshold and reserves budget. A reservation is settled with
what the request would have cost on the target the replay chose: a frontier target at its
model's price card with the row's recorded token usage; a local target at the machine cost
of the row's recorded time on the machine when the row ran locally, else unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from fulcrum.catalog.prices import TokenUsage
from fulcrum.gateway.brainroute import estimate_cost
from fulcrum.gateway.brainsetup import policy_scorer
from fulcrum.gateway.config import GatewayConfig
from fulcrum.ledger import LedgerRow, Pricer
from fulcrum.routing.brain.decide import Ask, Brain, Scorer
from fulcrum.routing.budget import BudgetExhausted, budget_book
from fulcrum.routing.features import RequestFeatures
from fulcrum.routing.replay.latency import SteppedClock
from fulcrum.routing.replay.rebuild import Item, NotReplayable, rebuild
from fulcrum.routing.replay.tally import Tally
from fulcrum.routing.router import Router, RouteTarget
from fulcrum.routing.sessions import session_store
from fulcrum.routing.share import ShareController

UTC_ZONE = ZoneInfo("UTC")


class RecordedScorer:
    """The policy's scorer; for a request without text, the score recorded for it if any."""

    def __init__(self, scorer: Scorer | None) -> None:
        self.scorer = scorer
        self.recorded: float | None = None  # set before each decision
        self.from_record = 0

    def __call__(self, features: RequestFeatures, /) -> float:
        if (not features.text or self.scorer is None) and self.recorded is not None:
            self.from_record += 1
            return self.recorded
        return self.scorer(features) if self.scorer is not None else 0.0


class Replay:
    """One replay of ``config``'s policy (see the module docstring)."""

    def __init__(self, config: GatewayConfig, pricer: Pricer) -> None:
        policy, routing = config.policy, config.routes
        assert policy is not None and routing is not None, "a replay needs a [policy]"
        self.clock = SteppedClock()
        self.pricer = pricer
        self.providers = {name: b.provider or None for name, b in config.backends.items()}
        self.scorer = RecordedScorer(policy_scorer(policy) if policy.uses_learned else None)
        self.router = Router(routing)
        self.zone = policy.budget.zone if policy.budget is not None else UTC_ZONE
        self.brain = Brain(
            policy, routing, scorer=self.scorer,
            share=ShareController(target=policy.target_local_share, window=policy.share_window),
            sessions=session_store(None, ttl_s=routing.sticky_ttl_s,
                                   max_entries=routing.sticky_max_sessions, clock=self.clock),
            budget=budget_book(policy.budget, None, clock=self.clock)
            if policy.budget is not None else None,
            estimate=estimate_cost(pricer, self.providers),
        )  # fmt: skip
        self.tally = Tally()

    def day(self, row: LedgerRow) -> date:
        """The row's calendar day: in the budget's zone, else UTC."""
        return row.ts.astimezone(self.zone).date()

    def run(self, rows: Iterable[LedgerRow]) -> Tally:
        for row in rows:
            self.add(row)
        self.tally.scores_from_record = self.scorer.from_record
        return self.tally

    def add(self, row: LedgerRow) -> None:
        """Replay one row (oldest first); rows not from the gateway are skipped."""
        if row.source != "gateway":
            return
        day = self.day(row)
        self.tally.seen(row, day)
        item = rebuild(row, self.router.config)
        if isinstance(item, NotReplayable):
            self.tally.not_replayable[item.why] += 1
            return
        self.tally.origins[item.origin] += 1
        self.tally.recorded_row(row, day)
        self._decide(item, day)

    def _decide(self, item: Item, day: date) -> None:
        row = item.row
        self.clock.now = row.ts.timestamp()
        self.scorer.recorded = item.recorded_score
        session = item.req.session
        if session is None and self.brain.policy.conversation_sessions:
            session = item.conversation
        ask = Ask(features=item.features, session=session, lane=item.lane,
                  escalate=item.escalate, max_tokens=item.req.max_tokens,
                  body=item.body)  # fmt: skip
        try:
            verdict, _ = self.brain.decide(ask)
        except BudgetExhausted:
            self.tally.refused_row(row, day, self._tightest(item.features.client_key))
            return
        chain = self.router.choose_target(item.req, verdict.target, verdict.reason,
                                          local_only=verdict.local_only)  # fmt: skip
        target = chain.primary
        cost = self.cost(row, target)
        if verdict.reservation is not None:
            self.brain.settle(verdict.reservation, cost)
        self.tally.served(row, verdict, target.kind == "local", cost, day)

    def cost(self, row: LedgerRow, target: RouteTarget) -> Decimal | None:
        """What ``row`` would have cost on ``target`` (see the module docstring)."""
        if target.kind == "local":
            if row.backend_kind != "local":
                return None
            return self.pricer.local_cost(row.busy_ms if row.busy_ms is not None
                                          else row.duration_ms)  # fmt: skip
        usage = TokenUsage(row.input_tokens, row.output_tokens, row.cache_read_tokens,
                           row.cache_write_tokens)  # fmt: skip
        return self.pricer.api_cost(target.model, self.providers.get(target.backend), usage,
                                    row.ts)  # fmt: skip

    def _tightest(self, key: str | None) -> str:
        """The window with the least left (a refusal's error names no window as data)."""
        budget = self.brain.budget
        assert budget is not None
        statuses = list(budget.status(key).values())
        return min(statuses, key=lambda s: s.left).name if statuses else "budget"
