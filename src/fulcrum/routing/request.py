"""What the router needs to know about one request, built from an Anthropic or OpenAI body.

The session comes from, in order: the ``X-Fulcrum-Session`` header (an explicit client choice),
Claude Code's ``X-Claude-Code-Session-Id`` header, Codex CLI's ``Session-Id`` header,
OpenCode's ``X-Session-Id`` header (:data:`SESSION_HEADERS`), then ``metadata.user_id`` — which
Claude Code sends as a JSON string holding ``session_id`` (older releases sent
``user_<hash>_account_<uuid>_session_<uuid>``; both are read). A request is *background* when its
model matches one of the background patterns: by default the haiku-class small/fast model that
Claude Code uses for titles, topic detection and other housekeeping.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from types import MappingProxyType
from typing import Any

from fulcrum.routing.tokens import estimate_request_tokens

Api = str  # a client API format's name (the gateway's ``ApiFormat.name``), recorded as data
ANTHROPIC_MAX_TOKENS: tuple[str, ...] = ("max_tokens",)
OPENAI_MAX_TOKENS: tuple[str, ...] = ("max_completion_tokens", "max_tokens")

DEFAULT_BACKGROUND_MODELS: tuple[str, ...] = ("*haiku*",)
SESSION_HEADER = "x-fulcrum-session"
CLAUDE_CODE_SESSION_HEADER = "x-claude-code-session-id"
CODEX_SESSION_HEADER = "session-id"
OPENCODE_SESSION_HEADER = "x-session-id"
SESSION_HEADERS = (SESSION_HEADER, CLAUDE_CODE_SESSION_HEADER, CODEX_SESSION_HEADER,
                   OPENCODE_SESSION_HEADER)  # in order  # fmt: skip
ROUTE_HEADER = "x-fulcrum-route"
_LEGACY_SESSION = re.compile(r"_session_([0-9A-Za-z-]+)$")
_EMPTY: Mapping[str, str] = MappingProxyType({})


# not frozen: built per request, and a frozen __init__ makes a setattr call per field
@dataclass(slots=True)
class RouteRequest:
    """The routing-relevant facts of one request (no bodies are kept)."""

    api: Api
    model: str
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY, compare=False, hash=False)
    session: str | None = None
    estimated_input_tokens: int = 0
    max_tokens: int | None = None
    has_tools: bool = False
    is_background: bool = False

    @property
    def route_header(self) -> str | None:
        value = self.headers.get(ROUTE_HEADER, "").strip()
        return value or None


def is_background_model(model: str, patterns: Sequence[str] = DEFAULT_BACKGROUND_MODELS) -> bool:
    """True when ``model`` matches a background glob (case-insensitive)."""
    return _matches_any(model.lower(), tuple(patterns))


@functools.lru_cache(maxsize=1024)  # a few model names, asked on every request
def _matches_any(lowered: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(lowered, pattern.lower()) for pattern in patterns)


def lower_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    """A read-only copy with lower-cased names; the first value of a repeated name wins."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        out.setdefault(name.lower(), value)
    return MappingProxyType(out)


def session_from(body: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
    """The session id of a request (see the module docstring for the order), or None."""
    value = header_session(headers)
    if value:
        return value
    metadata = body.get("metadata")
    if isinstance(metadata, dict):  # from JSON: an object is a dict
        return _session_from_user_id(metadata.get("user_id"))
    return None


def header_session(headers: Mapping[str, str]) -> str | None:
    """The first session header's value (:data:`SESSION_HEADERS`), or None."""
    for name in SESSION_HEADERS:
        value = headers.get(name, "").strip()
        if value:
            return value
    return None


def _session_from_user_id(user_id: Any) -> str | None:
    if not isinstance(user_id, str) or not user_id:
        return None
    if user_id.lstrip().startswith("{"):
        try:
            parsed = json.loads(user_id)
        except ValueError:
            return None
        session = parsed.get("session_id") if isinstance(parsed, dict) else None
        return session if isinstance(session, str) and session else None
    match = _LEGACY_SESSION.search(user_id)
    return match.group(1) if match else None


def route_request(
    api: Api,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    max_tokens_keys: Sequence[str] = ANTHROPIC_MAX_TOKENS,
    background_models: Sequence[str] = DEFAULT_BACKGROUND_MODELS,
    raw_body: bytes | None = None,
) -> RouteRequest:
    """Build a :class:`RouteRequest` from a client body of API ``api`` and its headers.

    ``max_tokens_keys`` are the body's output-limit fields, the first integer one wins. Pass
    ``raw_body`` (the bytes the body was parsed from) to estimate tokens without serializing
    the body again.
    """
    max_tokens = None
    for key in max_tokens_keys:
        max_tokens = _int_or_none(body.get(key))
        if max_tokens is not None:
            break
    lowered = lower_headers(headers)
    model = body.get("model")
    model = model if isinstance(model, str) else ""
    return RouteRequest(
        api=api,
        model=model,
        headers=lowered,
        session=session_from(body, lowered),
        estimated_input_tokens=estimate_request_tokens(body, raw_body),
        max_tokens=max_tokens,
        has_tools=bool(body.get("tools") or body.get("functions")),
        is_background=bool(model) and is_background_model(model, background_models),
    )


def route_request_from_anthropic(
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    background_models: Sequence[str] = DEFAULT_BACKGROUND_MODELS,
    raw_body: bytes | None = None,
) -> RouteRequest:
    """:func:`route_request` for an Anthropic Messages body."""
    return route_request(
        "anthropic", body, headers, background_models=background_models, raw_body=raw_body
    )


def route_request_from_openai(
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    background_models: Sequence[str] = DEFAULT_BACKGROUND_MODELS,
    raw_body: bytes | None = None,
) -> RouteRequest:
    """:func:`route_request` for an OpenAI Chat Completions body."""
    return route_request(
        "openai",
        body,
        headers,
        max_tokens_keys=OPENAI_MAX_TOKENS,
        background_models=background_models,
        raw_body=raw_body,
    )


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def wants_thinking(body: Mapping[str, Any]) -> bool:
    """Anthropic ``thinking`` of any type but ``disabled``; OpenAI ``reasoning_effort`` (or
    ``reasoning.effort``) other than ``none``."""
    # the body's values come from JSON: objects are dicts (a dict check, not an ABC's)
    thinking = body.get("thinking")
    if isinstance(thinking, dict):
        return bool(thinking.get("type", "enabled") != "disabled")
    effort = body.get("reasoning_effort")
    reasoning = body.get("reasoning")
    if effort is None and isinstance(reasoning, dict):
        effort = reasoning.get("effort")
    return isinstance(effort, str) and effort.lower() != "none"
