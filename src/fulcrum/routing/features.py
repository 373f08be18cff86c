"""The facts a routing policy reads from one request, extracted once per request.

:func:`extract_features` reads an Anthropic Messages or OpenAI Chat Completions body (with
the :class:`~fulcrum.routing.request.RouteRequest` already built from it) and returns a
:class:`RequestFeatures`. What each field counts:

- ``kind`` — the coding agent's request kind (:mod:`fulcrum.routing.claude_code`: Claude
  Code's, Codex's and OpenCode's, :mod:`~fulcrum.routing.codex`, :mod:`~fulcrum.routing.opencode`).
- ``turn`` — user messages holding real text: a message of only ``tool_result`` blocks, or
  only text the agent injects (Claude Code's ``<system-reminder>``, Codex's
  ``<environment_context>`` …), is not a turn.
- ``tool_errors`` — tool-call failures in a row at the tail: walking back from the last
  message, each ``tool_result`` block with ``is_error: true`` counts, and the first one
  without it, or a user message with real text, ends the row. An OpenAI ``tool`` message
  counts when it is a command that exited with a code other than 0 (Codex's).
- ``text`` — the real text of the last user message that has some (the current turn's
  request, what the learned router scores), at most :data:`TEXT_CAP` characters.
- ``secrets`` — the detectors (:mod:`fulcrum.routing.secrets`) that matched, and
  ``scanned``, what was read: ``"whole"``, every text of the request
  (:mod:`fulcrum.routing.bodyscan`), when asked (``whole=True``), on a first turn (no
  assistant message yet: all of it is new) or when the request ends in an assistant message
  (a prefill: the user's message before it is not "new"); else ``"new"``, the messages
  after the last assistant message (text, tool results). ``"new"`` is sound only for a
  session whose earlier turns this gateway saw and scanned: the brain scans the rest of the
  request too when the session has no pin (:mod:`fulcrum.routing.brain.decide`).
- ``cwd`` and ``repo`` — the ``Primary working directory:`` (older releases: ``Working
  directory:``) line of Claude Code's environment block, else the ``<cwd>`` of Codex's latest
  ``<environment_context>``; ``repo`` is that directory's name, or, inside a Claude Code
  worktree (``<repo>/.claude/worktrees/<name>``), the repository's.
- ``thinking`` — Anthropic ``thinking`` of any type but ``disabled``; OpenAI
  ``reasoning_effort`` (or ``reasoning.effort``) other than ``none``.
- ``hour``, ``minute``, ``weekday`` — local time (Monday is 0); ``now`` is injectable.

``client_key`` is the *name* of the client key the gateway authenticated, never the key.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any

from fulcrum.routing import codex
from fulcrum.routing.bodyscan import NEW, WHOLE, scan_request
from fulcrum.routing.claude_code import classify, repo_of, working_directory
from fulcrum.routing.codex import environment_cwd, failed_command
from fulcrum.routing.request import RouteRequest, wants_thinking
from fulcrum.routing.secrets import scan
from fulcrum.wire.maps import SYSTEM_ROLES

TEXT_CAP = 4000
SYSTEM_REMINDER = "<system-reminder>"
INJECTED = (SYSTEM_REMINDER, *codex.INJECTED)  # an agent's own text in a user message
Messages = list[dict[str, Any]]
_EMPTY: Mapping[str, str] = MappingProxyType({})


# not frozen: built per request, and a frozen __init__ makes a setattr call per field
@dataclass(slots=True)
class RequestFeatures:
    """What policy rules and the learned router see of one request (no bodies kept)."""

    api: str
    model: str
    kind: str = "other"
    user_agent: str = ""
    client_key: str | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY, compare=False)
    has_tools: bool = False
    tool_count: int = 0
    estimated_tokens: int = 0
    thinking: bool = False
    cwd: str | None = None
    repo: str | None = None
    turn: int = 0
    tool_errors: int = 0
    text: str = ""
    secrets: tuple[str, ...] = ()
    scanned: str = NEW
    hour: int = 0
    minute: int = 0
    weekday: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Every field as plain JSON-ready data (headers as a dict, secrets as a list)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["headers"] = dict(self.headers)
        out["secrets"] = list(self.secrets)
        return out


def extract_features(
    req: RouteRequest,
    body: Mapping[str, Any],
    *,
    client_key: str | None = None,
    now: datetime | None = None,
    whole: bool = False,
) -> RequestFeatures:
    """The features of one request; never raises on odd body shapes. ``whole``: scan every
    text of the request for secrets, not only the new part."""
    raw = body.get("messages")
    messages: Messages = [m for m in raw if type(m) is dict] if isinstance(raw, list) else []
    system = _system_text(body, messages)
    new, first_turn, last_user = _tail(messages)
    turn, text = _turns(messages)
    tools = body.get("tools") or body.get("functions")
    tool_count = len(tools) if isinstance(tools, list) else 0
    prefill = bool(messages) and messages[-1].get("role") == "assistant"
    scanned = WHOLE if whole or first_turn or prefill else NEW  # a first turn is all new
    found = scan_request(body) if scanned == WHOLE else scan(new)
    cwd = working_directory(system) if system else None
    if cwd is None:  # the user messages' texts, newest first
        users = (m.get("content") for m in reversed(messages) if m.get("role") == "user")
        cwd = environment_cwd(text for content in users for text in _text_list(content))
    when = now or local_now()
    kind = classify(system, last_user, has_tools=tool_count > 0, is_background=req.is_background,
                    told=codex.told_kind(req.headers))  # fmt: skip
    return RequestFeatures(
        api=req.api,
        model=req.model,
        kind=kind,
        user_agent=req.headers.get("user-agent", ""),
        client_key=client_key,
        headers=req.headers,
        has_tools=tool_count > 0,
        tool_count=tool_count,
        estimated_tokens=req.estimated_input_tokens,
        thinking=wants_thinking(body),
        cwd=cwd,
        repo=repo_of(cwd) if cwd else None,
        turn=turn,
        tool_errors=_tool_errors(messages),
        text=text[:TEXT_CAP],
        secrets=found,
        scanned=scanned,
        hour=when.hour,
        minute=when.minute,
        weekday=when.weekday(),
    )


_NOW: tuple[int, datetime] = (0, datetime.min)


def local_now() -> datetime:
    """The local time, read once a second (the rules' time conditions go to the minute)."""
    global _NOW  # noqa: PLW0603 - a one-entry cache shared by every request
    second = int(time.time())
    if _NOW[0] != second:
        _NOW = (second, datetime.now().astimezone())
    return _NOW[1]


def _system_text(body: Mapping[str, Any], messages: Messages) -> str:
    """Anthropic ``system`` (a string or text blocks), or OpenAI system/developer messages."""
    system = body.get("system")
    chunks = _text_list(system) if system is not None else []
    for message in messages:
        if message.get("role") in SYSTEM_ROLES:
            chunks.extend(_texts(message.get("content")))
    return "\n".join(chunks)


def _text_list(content: Any, *, real: bool = False, results: bool = False) -> list[str]:
    """:func:`_texts` as a list; a plain string (the usual content) without a generator."""
    if isinstance(content, str):
        return [content] if not real or _real(content) else []
    return list(_texts(content, real=real, results=results)) if content is not None else []


def _texts(content: Any, *, real: bool = False, results: bool = False) -> Iterator[str]:
    """The text of a content value: a string, or text blocks (and with ``results``, the
    content of tool results). ``real`` keeps only the user's own text: no blank text and
    none of Claude Code's system reminders. Bodies come from JSON, so blocks are dicts."""
    if isinstance(content, str):
        if not real or _real(content):
            yield content
        return
    if not isinstance(content, list):
        return
    for block in content:
        if type(block) is not dict:
            continue
        kind = block.get("type")
        if kind == "text":
            text = block.get("text")
            if isinstance(text, str) and (not real or _real(text)):
                yield text
        elif results and kind == "tool_result":
            yield from _texts(block.get("content"))


def _tail(messages: Messages) -> tuple[str, bool, str]:
    """One walk back to the last assistant message: the text of the messages after it (tool
    results included), whether there is none (the first turn), and the text of the last user
    message after it ("" when an assistant message is last)."""
    chunks: list[str] = []
    last_user: str | None = None
    for message in reversed(messages):
        role = message.get("role")
        if role == "assistant":
            return "\n".join(reversed(chunks)), False, last_user or ""
        if role in SYSTEM_ROLES:
            continue
        content = message.get("content")
        texts = _text_list(content, results=True)
        chunks.extend(reversed(texts))
        if last_user is None and role == "user":  # a string's texts are the same either way
            last_user = "\n".join(texts if isinstance(content, str) else _text_list(content))
    return "\n".join(reversed(chunks)), True, last_user or ""


def _turns(messages: Messages) -> tuple[int, str]:
    """(user messages with real text, the real text of the last of them)."""
    count, last = 0, None
    for message in messages:
        if message.get("role") == "user" and (
            texts := _text_list(message.get("content"), real=True)
        ):
            count += 1
            last = texts
    return count, "\n".join(last) if last else ""


def _real(text: str) -> bool:
    """The user's own words: not blank, not a fragment the agent injected (Claude Code's
    system reminders, Codex's environment context …)."""
    return bool(text) and not text.isspace() and not text[:64].lstrip().startswith(INJECTED)


def _tool_errors(messages: Messages) -> int:
    count = 0
    for message in reversed(messages):
        role = message.get("role")
        if role == "assistant" or role in SYSTEM_ROLES:
            continue
        content = message.get("content")
        if role == "tool":  # OpenAI's: no error flag, but a command's exit code (Codex's)
            if not any(map(failed_command, _text_list(content))):
                return count
            count += 1
            continue
        if role != "user" or not isinstance(content, list):
            return count
        if next(_texts(content, real=True), None) is not None:  # the user wrote something
            return count
        for block in reversed(content):
            if type(block) is dict and block.get("type") == "tool_result":
                if block.get("is_error") is not True:
                    return count
                count += 1
    return count
