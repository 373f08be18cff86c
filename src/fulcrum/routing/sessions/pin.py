"""Session pins: which target a session's lane is on, and the store protocol that keeps them.

A session stays on the backend and model it started on (switching mid-session throws away the
upstream prompt cache). A pin is per ``(session, lane)`` — the main loop, the background lane,
or one subagent conversation — and expires ``ttl_s`` seconds after its last use (sliding).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

DEFAULT_TTL_S = 3600.0
PinSide = Literal["local", "frontier", "target"]


@dataclass(frozen=True, slots=True)
class SessionPin:
    """Where a session's lane goes and what decided it.

    ``side``: ``local``, ``frontier`` or ``target``; ``rule``: the policy rule that decided it
    (None: learned, default or sticky); ``decided_by``: the route reason (``learned``,
    ``rule:NAME``, ``escalate:header``...); ``decided_at``: epoch seconds (the store stamps
    it when None); ``decision``: a small JSON object (score, threshold, events).
    """

    backend: str
    model: str | None = None
    side: PinSide = "target"
    rule: str | None = None
    decided_by: str = ""
    decided_at: float | None = None
    decision: Mapping[str, Any] = field(default_factory=dict)

    def stamped(self, now: float) -> SessionPin:
        return self if self.decided_at is not None else replace(self, decided_at=now)

    def decision_json(self) -> str:
        return json.dumps(dict(self.decision), separators=(",", ":"), sort_keys=True)


class SessionStore(Protocol):
    @property
    def shared(self) -> bool:
        """True when pins live in a database (seen by every process; calls block on I/O)."""
        ...

    def get(self, session: str, lane: str) -> SessionPin | None:
        """The live pin (refreshing its TTL), or None."""
        ...

    def peek(self, session: str, lane: str) -> SessionPin | None:
        """The live pin without refreshing its TTL (a dry run: ``route explain``)."""
        ...

    def put(self, session: str, lane: str, pin: SessionPin) -> None:
        """Pin (or re-pin, after failover or a handoff) the session's lane."""
        ...

    def forget(self, session: str) -> None:
        """Drop every lane of the session."""
        ...

    def close(self) -> None: ...
