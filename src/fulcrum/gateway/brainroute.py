"""The routing brain on the request path: features, the brain's verdict, then the chain.

Only when the config has a ``[policy]``: without one the gateway routes by ``[routes]``
alone and none of this runs. The brain's database work (a shared session pin, a budget
reservation on PostgreSQL) runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from fulcrum.errors import InvalidRequest
from fulcrum.routing import codex
from fulcrum.routing.brain.config import PolicyConfig
from fulcrum.routing.brain.decide import Ask, Brain
from fulcrum.routing.brain.verdict import Verdict
from fulcrum.routing.config import TargetSpec
from fulcrum.routing.features import RequestFeatures, extract_features
from fulcrum.routing.policy import PolicyOutcome
from fulcrum.routing.request import RouteRequest
from fulcrum.routing.router import RouteDecision, Router
from fulcrum.routing.sessions.conversation import conversation_session
from fulcrum.routing.share import ShareState
from fulcrum.wire import fastjson

if TYPE_CHECKING:
    from fulcrum.gateway.metering import Call
    from fulcrum.gateway.state import GatewayState
    from fulcrum.gateway.upstream.chain import Opened

ESCALATE_HEADER = "x-fulcrum-escalate"
ESCALATE_VALUES = ("frontier",)
BACKGROUND_KINDS = frozenset({"background", "title"})
SHARE_FIELDS = tuple(f.name for f in fields(ShareState))
T = TypeVar("T")


# not frozen: built per request, and a frozen __init__ makes a setattr call per field
@dataclass(slots=True)
class Routed:
    decision: RouteDecision
    verdict: Verdict
    outcome: PolicyOutcome
    ask: Ask

    @property
    def features(self) -> RequestFeatures:
        return self.ask.features


async def route_with_brain(
    brain: Brain, router: Router, req: RouteRequest, body: Mapping[str, Any],
    client_key: str | None, *, dry: bool = False,
) -> Routed:  # fmt: skip
    """The brain's verdict for this request and the failover chain it implies (``dry``: a
    decision that changes nothing, no pin, share count or budget hold: count_tokens')."""
    features = extract_features(req, body, client_key=client_key)
    req.session = session_of(brain.policy, req, body, client_key, features.user_agent)
    ask = Ask(
        features=features,
        session=pin_key(req.session, client_key),
        lane=lane(features, body),
        escalate=escalate(req.headers),
        max_tokens=req.max_tokens,
        route=header_route(router, req),
        dry=dry,
        body=body,
    )
    if brain.blocking:
        verdict, outcome = await off_loop(brain, partial(brain.decide, ask))
    else:  # the usual case, on every request: no partial and no coroutine to make
        verdict, outcome = brain.decide(ask)
    decision = router.choose_target(
        req, verdict.target, verdict.reason, local_only=verdict.local_only
    )
    return Routed(decision, verdict, outcome, ask)


def pin_key(session: str | None, client_key: str | None) -> str | None:
    """The key a session's pin is kept under: the client key's own (another key's client
    naming the same session id gets a session of its own, not its pin)."""
    return session if session is None or client_key is None else f"{client_key}|{session}"


def session_of(
    policy: PolicyConfig, req: RouteRequest, body: Mapping[str, Any], client_key: str | None,
    user_agent: str,
) -> str | None:  # fmt: skip
    """The session the brain pins a request by: the one its client named, else (with
    ``conversation_sessions``, the default) its conversation's, told by its opening."""
    if req.session is not None or not policy.conversation_sessions:
        return req.session
    return conversation_session(body, client_key=client_key, user_agent=user_agent)


async def off_loop(brain: Brain, work: Callable[[], T]) -> T:
    """``work()`` that reads or writes the brain's database (pins, budget holds): in a worker
    thread when that database is a server, right here when it is a local SQLite file (quicker
    inline than a thread hop)."""
    return await asyncio.to_thread(work) if brain.blocking else work()


def lane(features: RequestFeatures, body: Mapping[str, Any]) -> str:
    """The session lane a request belongs to: ``main``, ``background`` (titles and other
    small-model housekeeping) or one subagent conversation, ``sub:<hash>`` of its thread
    (Codex's ``thread-id``) or else of its first message, so each subagent is routed on its
    own and keeps its own pin."""
    if features.kind in BACKGROUND_KINDS:
        return "background"
    if features.kind != "subagent":
        return "main"
    text = features.headers.get(codex.THREAD_HEADER, "").strip()
    if not text:
        messages = body.get("messages")
        first = messages[0] if isinstance(messages, list) and messages else {}
        content = first.get("content") if isinstance(first, Mapping) else None
        text = content if isinstance(content, str) else repr(content)[:4096]
    return "sub:" + hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def header_route(router: Router, req: RouteRequest) -> TargetSpec | None:
    """``X-Fulcrum-Route``'s target, when the request names one (an unknown one is a 400)."""
    value = req.route_header
    return None if value is None else router.header_target(value)


def escalate(headers: Mapping[str, str]) -> bool:
    value = headers.get(ESCALATE_HEADER, "").strip().lower()
    if not value:
        return False
    if value not in ESCALATE_VALUES:
        raise InvalidRequest(
            f"X-Fulcrum-Escalate: {value!r} is not accepted; use one of "
            f"{', '.join(ESCALATE_VALUES)}",
            param=ESCALATE_HEADER,
        )
    return True


def decision_details(routed: Routed, share: ShareState | None) -> dict[str, Any]:
    """What the ledger's ``decision`` column keeps beside the verdict: the share state and
    the request's features, never its text (``route replay`` re-runs a policy on these)."""
    f = routed.features
    # ShareState.as_dict() without dataclasses.asdict's recursion (its fields are numbers)
    shares = {} if share is None else {name: getattr(share, name) for name in SHARE_FIELDS}
    return {
        **routed.verdict.as_dict(),
        "share": shares,
        "features": {
            "kind": f.kind, "tools": f.tool_count, "tokens": f.estimated_tokens,
            "thinking": f.thinking, "turn": f.turn, "tool_errors": f.tool_errors,
            "secrets": list(f.secrets), "client_key": f.client_key, "repo": f.repo,
            "user_agent": f.user_agent, "model": f.model, "lane": routed.ask.lane,
            "max_tokens": routed.ask.max_tokens, "escalate": routed.ask.escalate,
        },
    }  # fmt: skip


def note_decision(call: Call, state: GatewayState, routed: Routed) -> None:
    """Put the decision on the call (its row is built later, off the event loop) and, for a
    budgeted frontier call, how to settle its reservation from the real cost."""
    verdict = routed.verdict
    call.rule = verdict.rule
    call.frontier_score = verdict.score
    call.threshold = verdict.threshold
    # a snapshot now (the share moves on), made a dict with the JSON in the ledger's thread
    share = state.brain.share.state() if state.brain is not None else None
    call.decision_fn = partial(_decision_json, routed, share)
    if verdict.reservation is not None and state.brain is not None:
        call.settle = partial(state.brain.settle, verdict.reservation)


def _decision_json(routed: Routed, share: ShareState | None) -> str:
    return fastjson.dumps(decision_details(routed, share), default=str)


def estimate_cost(pricer: Any, providers: Mapping[str, str | None]) -> Any:
    """The brain's cost estimate for a reservation: the price card of the target's model,
    the estimated input and the output limit (the worst case, so settling only gives back)."""
    from fulcrum.wire.usage import TokenUsage  # noqa: PLC0415

    def estimate(backend: str, model: str, tokens_in: int, tokens_out: int) -> Decimal | None:
        usage = TokenUsage(input_tokens=tokens_in, output_tokens=tokens_out)
        cost: Decimal | None = pricer.api_cost(model, providers.get(backend), usage)
        return cost

    return estimate


def observe_first_byte(brain: Brain | None, opened: Opened) -> None:
    """A streamed local answer's time to its first byte (from its chain's start), a sample of
    the local latency SLO (with a brain): :func:`observe_answer` with nothing generated yet."""
    if brain is not None:
        observe_answer(brain, opened, 0.0)


def observe_answer(brain: Brain, opened: Opened, generated_ms: float | None) -> None:
    """A local answer, a sample of the local latency SLO: the time to its first byte less the
    time its server says generating what that byte brought took (``generated_ms``: llama.cpp's
    timings for a whole answer, 0 for a stream), which leaves the wait, the prompt's reading and
    the first token. A whole answer whose server says nothing (None) gives no sample: its time
    grows with its length."""
    target = opened.target
    if generated_ms is None or not opened.ok or target.kind != "local":
        return
    waited = (opened.first_byte_at - opened.started) * 1000 - generated_ms
    brain.observe_local(target.backend, max(waited, 0.0))


def observe_relayed(brain: Brain, opened: Opened, call: Call) -> None:
    """:func:`observe_answer` for a relayed answer, after the call (:attr:`Call.after_row`):
    its row parsed the answer (``generation_ms``)."""
    observe_answer(brain, opened, call.generation_ms)
