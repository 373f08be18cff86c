"""A session whose local servers all fail moves to the frontier, as a handoff moves it.

With a ``[policy]``, a session's request routed to a local target walks its chain in two parts:
the local steps first; when every one of them fails before the first byte (nothing has reached
the client), the session moves to the chain's frontier steps the way a handoff moves it
(:mod:`fulcrum.routing.brain.handoff`): the move is priced (the decision's ``handoff``, its
events ``failover`` and ``handoff``), held in the budget (a budget that would keep the session
local keeps the local failure; one set to refuse answers 429), its history condensed when
``[policy] condense_handoffs`` holds (:mod:`fulcrum.gateway.condensing`), and the session pinned
on the frontier with the cut, so that its later turns go there condensed the same way and the
frontier's prompt cache holds. Without a policy, a session or a local first step, or with no
frontier step after the local ones, the chain is walked in one go, as before; a cascading
request has its own frontier step (:mod:`fulcrum.gateway.answer.cascade`).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from fulcrum.gateway.brainroute import off_loop
from fulcrum.gateway.condensing import condense
from fulcrum.routing.config import TargetSpec

if TYPE_CHECKING:
    from fulcrum.gateway.brainroute import Routed
    from fulcrum.gateway.metering import Call
    from fulcrum.gateway.state import GatewayState
    from fulcrum.gateway.upstream.backends import Backend
    from fulcrum.gateway.upstream.formatbase import ApiFormat
    from fulcrum.routing.router import RouteTarget

Chain = list[tuple["Backend", "RouteTarget"]]
Body = dict[str, Any]


def split(routed: Routed | None, chain: Chain) -> tuple[Chain, Chain]:
    """The chain's leading local steps and the frontier steps after them, for a session's
    request on a local route; else the whole chain and no frontier part."""
    if routed is None or routed.ask.session is None or routed.verdict.cascade:
        return chain, []
    if not chain or chain[0][1].kind != "local":
        return chain, []
    at = next((i for i, (_, target) in enumerate(chain) if target.kind != "local"), len(chain))
    return chain[:at], chain[at:]


async def move(
    state: GatewayState, api: ApiFormat, routed: Routed, call: Call, *,
    steps: tuple[Chain, Chain], body: Body, raw: bytes,
) -> tuple[Body, bytes] | None:  # fmt: skip
    """After the local part of ``steps`` failed: the session moved to the frontier part, and
    the body to send there; None when it does not move (a try answered, or the budget keeps
    the session local)."""
    brain = state.brain
    if brain is None or not call.attempts.none_answered:
        return None
    (_, origin), (_, target) = steps[0][0], steps[1][0]
    moving = partial(brain.failed_over, routed.ask, routed.verdict, origin.label,
                     TargetSpec(target.backend, target.model))  # fmt: skip
    verdict = await off_loop(brain, moving)  # the pin and the budget's hold
    if verdict.side != "frontier":
        return None
    routed.verdict = verdict
    if verdict.reservation is not None:
        call.settle = partial(brain.settle, verdict.reservation)
    if call.busy_token is not None:  # the local servers' work ended here
        state.local_clock.leave(call.busy_token)
        call.busy_token = None
    return await condense(brain, api, routed, body, raw)
