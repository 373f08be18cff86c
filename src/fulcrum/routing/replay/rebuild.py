"""One recorded request rebuilt for the brain: from its stored body, else its recorded features.

Headers are not stored: the session comes from the row's ``session`` column (a stored body
without one also gives its conversation, the session a policy with ``conversation_sessions``
pins it by), the user agent from its ``client`` column, the client key's name from the
recorded decision, an escalation from the recorded reason (``escalate:header``), and a kind
and lane that a header told (Codex's sub-agents, its compaction and memory consolidation)
from the recorded features. The local time the time rules read is the row's, in this
machine's zone. A row with neither a body nor recorded features (a gateway without
``store_bodies`` and without a ``[policy]``) is not replayable; neither is a body of an
endpoint no API format serves, or one that is not JSON.

From recorded features the brain sees no text (the learned router then gets the recorded
``frontier_score`` when there is one), no working directory and no other header, and a
subagent's conversation cannot be told from another's: each session has one subagent lane.
The output limit is the recorded one (rows written before it was recorded: none, so a
reservation assumes 4,096 tokens).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fulcrum.gateway.brainroute import BACKGROUND_KINDS, lane
from fulcrum.gateway.upstream.formats import FORMATS, ApiFormat
from fulcrum.ledger import LedgerRow
from fulcrum.routing import codex
from fulcrum.routing.config import RoutingConfig
from fulcrum.routing.features import RequestFeatures, extract_features
from fulcrum.routing.request import (
    SESSION_HEADER,
    RouteRequest,
    is_background_model,
    lower_headers,
    route_request,
)
from fulcrum.routing.sessions.conversation import conversation_session

BODY, FEATURES = "body", "features"
SUBAGENT_LANE = "sub:recorded"
# the kinds a request's header can tell (Codex's sub-agents): kept from the recorded features
TOLD = frozenset({"subagent", *codex.TOLD_KINDS.values()})


@dataclass(frozen=True, slots=True)
class Item:
    """A recorded request ready for the brain."""

    row: LedgerRow
    req: RouteRequest
    features: RequestFeatures
    lane: str
    escalate: bool
    origin: str  # BODY or FEATURES
    recorded_score: float | None
    # a stored body's conversation (fulcrum.routing.sessions.conversation) where the row has
    # no session: the session a policy with ``conversation_sessions`` pins it by
    conversation: str | None = None
    body: Mapping[str, Any] | None = None  # a stored body's routing view, for a whole scan


@dataclass(frozen=True, slots=True)
class NotReplayable:
    row: LedgerRow
    why: str


def decision_of(row: LedgerRow) -> dict[str, Any]:
    """The row's recorded decision object ({} when none or unreadable)."""
    try:
        data = json.loads(row.decision) if row.decision else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def rebuild(row: LedgerRow, routing: RoutingConfig) -> Item | NotReplayable:
    """The row as the brain saw it (see the module docstring)."""
    fmt = next((f for f in FORMATS.values() if f.chat_path == row.endpoint), None)
    decision = decision_of(row)
    recorded = decision.get("features")
    if row.request_body is not None:
        if fmt is None:
            return NotReplayable(row, f"endpoint {row.endpoint or '-'} is not a chat endpoint")
        return _from_body(row, fmt, decision, routing)
    if isinstance(recorded, Mapping):
        return _from_features(row, fmt, recorded, routing)
    return NotReplayable(row, "neither a stored body nor recorded features")


def _headers(row: LedgerRow) -> dict[str, str]:
    out = {"user-agent": row.client} if row.client else {}
    if row.session:
        out[SESSION_HEADER] = row.session
    return out


def _escalated(row: LedgerRow) -> bool:
    return (row.route_reason or "").startswith("escalate:header")


def _local_time(row: LedgerRow) -> datetime:
    return row.ts.astimezone()


def _from_body(
    row: LedgerRow, fmt: ApiFormat, decision: Mapping[str, Any], routing: RoutingConfig
) -> Item | NotReplayable:
    try:
        body = json.loads(row.request_body or "")
    except ValueError:
        return NotReplayable(row, "the stored body is not JSON")
    if not isinstance(body, dict):
        return NotReplayable(row, "the stored body is not a JSON object")
    view = fmt.routing_view(body)
    raw = (row.request_body or "").encode()  # the bytes received: the gateway's token estimate
    req = route_request(fmt.name, view, _headers(row), max_tokens_keys=fmt.max_tokens_keys,
                        background_models=routing.background_models, raw_body=raw)  # fmt: skip
    recorded = decision.get("features")
    key = recorded.get("client_key") if isinstance(recorded, Mapping) else None
    features = extract_features(req, view, client_key=key, now=_local_time(row))
    lane_of = lane(features, view)
    told = _told(recorded, features.kind)
    if told is not None:  # a header said so (Codex's sub-agents): kept, with its lane
        features.kind, lane_of = told
    conversation = (
        None
        if req.session
        else conversation_session(view, client_key=key, user_agent=features.user_agent)
    )
    return Item(row, req, features, lane_of, _escalated(row), BODY, row.frontier_score,
                conversation, view)  # fmt: skip


def _told(recorded: Any, read: str) -> tuple[str, str] | None:
    """The kind and lane the gateway recorded where the body alone reads as ``read`` and a
    header can tell the kind (:data:`TOLD`), else None."""
    kind = recorded.get("kind") if isinstance(recorded, Mapping) else None
    if kind == read or kind not in TOLD:
        return None
    return kind, str(recorded.get("lane") or _lane_of(kind))


def _from_features(
    row: LedgerRow, fmt: ApiFormat | None, f: Mapping[str, Any], routing: RoutingConfig
) -> Item:
    model = str(f.get("model") or row.model)
    tools, tokens = int(f.get("tools") or 0), int(f.get("tokens") or 0)
    kind = str(f.get("kind") or "other")
    at = _local_time(row)
    headers = lower_headers(_headers(row))
    features = RequestFeatures(
        api=fmt.name if fmt is not None else "anthropic", model=model, kind=kind,
        user_agent=str(f.get("user_agent") or ""), client_key=f.get("client_key"),
        headers=headers, has_tools=tools > 0, tool_count=tools, estimated_tokens=tokens,
        thinking=bool(f.get("thinking")), repo=f.get("repo"), turn=int(f.get("turn") or 0),
        tool_errors=int(f.get("tool_errors") or 0), secrets=tuple(f.get("secrets") or ()),
        hour=at.hour, minute=at.minute, weekday=at.weekday(),
    )  # fmt: skip
    background = is_background_model(model, routing.background_models)
    limit = f.get("max_tokens")  # the output limit a reservation is priced at (None: 4,096)
    req = RouteRequest(api=features.api, model=model, headers=headers, session=row.session,
                       estimated_input_tokens=tokens, has_tools=tools > 0,
                       is_background=background,
                       max_tokens=limit if type(limit) is int and limit > 0 else None)  # fmt: skip
    return Item(row, req, features, _lane_of(kind), _escalated(row), FEATURES, row.frontier_score)


def _lane_of(kind: str) -> str:
    if kind in BACKGROUND_KINDS:
        return "background"
    return SUBAGENT_LANE if kind == "subagent" else "main"
