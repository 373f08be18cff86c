"""A session moved to the frontier goes with its history condensed (``[policy]
condense_handoffs``, on by default; :mod:`fulcrum.wire.condense` says how).

At the move the gateway cuts the client's conversation before its last assistant turn (when
that at least halves the part it condenses), prices the move at the condensed prompt and pins
the cut with the session; each later turn of the session is condensed at the same cut, to the
same bytes, while the client's history still starts the way it did. A format without a
:class:`~fulcrum.wire.condense.Shape` is sent whole.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from fulcrum.gateway.brainroute import off_loop
from fulcrum.routing.brain.handoff import moving
from fulcrum.routing.tokens import estimate_request_tokens
from fulcrum.wire import fastjson
from fulcrum.wire.condense import Shape, apply_cut, plan_cut

if TYPE_CHECKING:
    from fulcrum.gateway.brainroute import Routed
    from fulcrum.gateway.upstream.formatbase import ApiFormat
    from fulcrum.routing.brain.decide import Brain

Body = dict[str, Any]


async def condense(
    brain: Brain, api: ApiFormat, routed: Routed, body: Body, raw: bytes
) -> tuple[Body, bytes]:
    """The body to send: condensed on a move or a moved session's later turn, else as is
    (``routed.verdict`` then says so: its ``condensed`` event)."""
    shape, verdict = api.history, routed.verdict
    if shape is None or not brain.policy.condense_handoffs:
        return body, raw
    messages = body.get(shape.field)
    if not isinstance(messages, list):  # a Responses input as one string: nothing to condense
        return body, raw
    if moving(verdict):
        return await _move(brain, shape, routed, body, raw)
    cut = verdict.cut
    if cut is None or (kept := apply_cut(shape, messages, cut)) is None:
        return body, raw
    routed.verdict = replace(verdict, events=(*verdict.events, "condensed"))
    out = {**body, shape.field: kept}
    return out, fastjson.dumps(out).encode()


async def _move(
    brain: Brain, shape: Shape, routed: Routed, body: Body, raw: bytes
) -> tuple[Body, bytes]:
    """The move itself: cut here, or send it whole when a cut saves too little; the cut is
    pinned with the session (on a database server, off the loop)."""
    verdict = routed.verdict
    messages = body[shape.field]
    cut = plan_cut(shape, messages, verdict.details["handoff"]["from"])
    if cut is None or (kept := apply_cut(shape, messages, cut)) is None:
        return body, raw
    out = {**body, shape.field: kept}
    sent = fastjson.dumps(out).encode()
    tokens = estimate_request_tokens(out, sent)
    routed.verdict = await off_loop(
        brain, partial(brain.condensed, routed.ask, verdict, cut, tokens)
    )
    return out, sent
