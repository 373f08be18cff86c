"""A session for a request that names none: its conversation, told by its opening.

Claude Code, Codex and OpenCode name their session (:mod:`fulcrum.routing.request`); the
SDKs and most other clients name none, and the brain would then decide each of their requests
anew and could switch a conversation between models turn by turn, each switch throwing the
prompt cache away. Every turn of a conversation sends its opening again, unchanged: the system
prompt and the messages up to the first user message, the prefix a prompt cache is keyed on.
That opening, with the client that sent it (its client key's name and user agent), names the
conversation: ``conv:<hash>``. Cache markers are left out, and a text is read the same as a
string or as one text block (a client marks its newest message for the cache, as a block, on
that turn only); a client that rewrites its opening starts a new conversation, whose cache is
gone anyway.

With a ``[policy]`` the conversation is the request's session (its pin, the ledger's
``session`` column); without one a pool still keeps it on one replica, its prompt cache.
Only a hash of the opening is kept, never its text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from fulcrum.wire import fastjson
from fulcrum.wire.condense.text import unmarked

PREFIX = "conv:"
MARKER = '"cache_control"'


def conversation_session(
    body: Mapping[str, Any], *, client_key: str | None, user_agent: str
) -> str | None:
    """The session of the conversation a Chat Completions or Messages ``body`` (or a routing
    view of another format) continues, or None when it has no user message."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    for end, message in enumerate(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            opening = [_blocks(body.get("system")), *map(_message, messages[: end + 1])]
            return PREFIX + _digest([client_key, user_agent, opening])
    return None


def _blocks(content: Any) -> Any:
    """A text content as one text block: a client that marks its newest message for the cache
    sends a string as a block on that turn only."""
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


def _message(message: Any) -> Any:
    if isinstance(message, Mapping) and isinstance(message.get("content"), str):
        return {**message, "content": _blocks(message["content"])}
    return message


def _digest(opening: list[Any]) -> str:
    """A hash of ``opening``'s JSON, its cache markers left out. The body was parsed from the
    client's JSON, so the same opening sent again has its keys in the same order. SHA-256
    rather than BLAKE2: quicker on a long system prompt where the CPU has SHA instructions."""
    text = fastjson.dumps(opening, default=str)
    if MARKER in text:  # walked again only when there are markers to leave out
        text = fastjson.dumps(unmarked(opening), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]
