"""What the brain decided for one request, and why: the record the ledger row and
``fulcrum route explain`` both show."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fulcrum.routing.config import TargetSpec
from fulcrum.wire.condense import Cut

Side = Literal["local", "frontier", "target"]


# not frozen: built per request, and a frozen __init__ makes a setattr call per field
@dataclass(slots=True)
class Verdict:
    """The brain's choice: a target, the side it is on, and every reason that shaped it.

    ``reason`` is the ledger's ``route_reason`` (``never-leaves:NAME``, ``rule:NAME``,
    ``sticky``, ``learned``, ``escalate:header``, ``handoff:NAME``, then ``+slo-spill`` or
    ``+budget→local`` when a guard moved it). ``local_only`` keeps every frontier backend
    out of the failover chain and the context guard (secrets, an exhausted budget).
    ``cascade``: a local verdict of a ``cascade = true`` rule; the gateway verifies the local
    answer with ``verify`` (empty: every verifier that applies) and asks the frontier only
    when it fails (``+cascade`` or ``+cascade→frontier`` is added to the reason there).
    ``cut``: on a session moved to the frontier, where its history is condensed
    (:mod:`fulcrum.wire.condense`); not in the ledger's ``decision`` (its ``handoff`` is).
    """

    target: TargetSpec
    side: Side
    reason: str
    rule: str | None = None
    score: float | None = None
    threshold: float | None = None
    local_only: bool = False
    # Decided by the learned router (now, or at the session's first request): the share
    # controller's free choices; everything else is forced by a rule, a pin or a guard.
    free: bool = False
    events: tuple[str, ...] = ()
    reservation: Any = None  # the budget's reservation, settled from the call's real cost
    details: Mapping[str, Any] = field(default_factory=dict)
    cascade: bool = False
    verify: tuple[str, ...] = ()
    # a moved session's pinned cut: the gateway condenses its history the same way each turn
    cut: Cut | None = None

    def as_dict(self) -> dict[str, Any]:
        """The ``decision`` column's JSON object (nothing of the prompt is in it)."""
        return {
            "target": f"{self.target.backend}/{self.target.model or ''}".rstrip("/"),
            "side": self.side,
            "reason": self.reason,
            "rule": self.rule,
            "score": self.score,
            "threshold": self.threshold,
            "local_only": self.local_only,
            "events": list(self.events),
            "cascade": self.cascade,
            **({"verify": list(self.verify)} if self.cascade else {}),
            **self.details,
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), separators=(",", ":"), default=str)
