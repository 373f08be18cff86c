"""What a cascade leaves in the ledger row: its attempts, its reason and its ``decision`` entry.

- ``attempts``: the local step's tries, the answer that failed verification marked failed
  (``reason``: ``verification failed: CHECK (TOOL): PROBLEM``, its HTTP status kept), then the
  frontier step's tries. A frontier step is not a failover: the row's reason gains
  ``→failover`` only when a step itself moved to another target (:class:`CascadeLog`).
- ``decision`` gains ``cascade_step``: the checks run, the findings (check, tool, problem),
  the local attempt (target, usage, machine time and its cost when the machine is priced) and
  what the frontier step did (``answered``, ``budget-refused``, ``failed: ...``, or ``null``
  when the local answer passed).

Tokens and cost: a row is priced as one call of its final backend (``Pricer.price``). When
the frontier answered, the row's tokens are the frontier call's, so its price and the budget's
settlement are that call's; the local attempt's usage and machine cost are in
``cascade_step.local``. When the local answer is given, the row is a local row as usual (its
tokens are the local calls', its machine time the local step's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from fulcrum.gateway.answer.verifiers import Finding
from fulcrum.gateway.metering import Call
from fulcrum.gateway.upstream.attempts import AttemptLog
from fulcrum.ledger.pricing import Pricer
from fulcrum.wire.usage import TokenUsage

CASCADE = "+cascade"  # the local answer passed (or was kept)
TO_FRONTIER = "+cascade→frontier"  # the frontier answered
BUDGET_REFUSED = "+cascade+budget→local"  # the budget refused the frontier step
FRONTIER_FAILED = "+cascade+frontier-failed"  # the frontier step did not answer


class CascadeLog(AttemptLog):
    """The request's attempts, split where the frontier step began."""

    __slots__ = ("boundary",)

    def __init__(self, log: AttemptLog) -> None:
        super().__init__(log.since)
        self.items = log.items
        self.boundary = len(log.items)

    @property
    def failed_over(self) -> bool:
        steps = (self.items[: self.boundary], self.items[self.boundary :])
        return any(len({(a.backend, a.model) for a in step}) > 1 for step in steps)


@dataclass(slots=True)
class CascadeStep:
    """The cascade's record, filled in as it goes; read when the row is built."""

    checks: tuple[str, ...] = ()
    findings: list[Finding] = field(default_factory=list)
    local_target: str | None = None
    local_usage: TokenUsage | None = None
    local_busy_ms: float | None = None
    local_error: str | None = None
    frontier: str | None = None

    def as_dict(self, pricer: Pricer | None) -> dict[str, Any]:
        usage = self.local_usage
        cost = None
        if pricer is not None and self.local_busy_ms is not None:
            cost = pricer.local_cost(self.local_busy_ms)
        return {
            "checks": list(self.checks),
            "passed": not self.findings and self.local_error is None,
            "findings": [f.as_dict() for f in self.findings],
            "local": {
                "target": self.local_target,
                "error": self.local_error,
                "input_tokens": usage.input_tokens if usage else 0,
                "output_tokens": usage.output_tokens if usage else 0,
                "cache_read_tokens": usage.cache_read_tokens if usage else 0,
                "cache_write_tokens": usage.cache_write_tokens if usage else 0,
                "busy_ms": self.local_busy_ms,
                "cost_usd": None if cost is None else str(cost),
            },
            "frontier": self.frontier,
        }


def attach(call: Call, step: CascadeStep, pricer: Pricer | None) -> None:
    """Add ``cascade_step`` to the call's ``decision`` JSON (built off the loop, as before)."""
    base = call.decision_fn

    def decision() -> str:
        data = json.loads(base()) if base is not None else {}
        data["cascade_step"] = step.as_dict(pricer)
        return json.dumps(data, separators=(",", ":"), default=str)

    call.decision_fn = decision


def mark_unverified(call: Call, step: CascadeStep) -> None:
    """Mark the local answer that failed verification, and split the log for the frontier."""
    items = call.attempts.items
    reason = "verification failed: " + (
        "; ".join(f.summary() for f in step.findings[:3]) or "no answer"
    )
    for index in range(len(items) - 1, -1, -1):
        if not items[index].failed:
            items[index] = replace(items[index], reason=reason[:500])
            break
    call.attempts = CascadeLog(call.attempts)
