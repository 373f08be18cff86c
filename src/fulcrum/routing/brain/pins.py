"""A session's pin as the brain writes and reads it.

A pin records the target a session's lane is on and what decided it. A session a
``never_leaves`` rule matched is held local for good: its later turns carry what matched in
their history, so no move (an escalation, a handoff, ``X-Fulcrum-Route``, a failover) may
take it off the machine, and its pin says so (``decided_by`` ``never-leaves:RULE``), in every
gateway that shares the pins.
"""

from __future__ import annotations

from typing import TypeGuard

from fulcrum.routing.brain.config import LEARNED
from fulcrum.routing.brain.verdict import Verdict
from fulcrum.routing.config import TargetSpec
from fulcrum.routing.sessions import SessionPin

NEVER_LEAVES = "never-leaves:"  # the route reason of a never_leaves verdict, and its pin's


def pin_target(pin: SessionPin) -> TargetSpec:
    return TargetSpec(pin.backend, pin.model)


def verdict_pin(verdict: Verdict) -> SessionPin:
    """The pin a verdict leaves on its session."""
    decided_by = LEARNED if verdict.free else verdict.reason
    return SessionPin(backend=verdict.target.backend, model=verdict.target.model,
                      side=verdict.side, rule=verdict.rule, decided_by=decided_by)  # fmt: skip


def held_local(pin: SessionPin | None) -> TypeGuard[SessionPin]:
    """Whether a never_leaves rule matched this session before: it stays local for good."""
    return pin is not None and pin.decided_by.startswith(NEVER_LEAVES)


def repin(pin: SessionPin | None, verdict: Verdict) -> bool:
    """Whether ``verdict`` changes the session's pin: a new target, or a never_leaves match
    on a session not yet held local."""
    if pin is None or pin_target(pin) != verdict.target:
        return True
    return verdict.reason.startswith(NEVER_LEAVES) and not held_local(pin)
