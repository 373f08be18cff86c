"""Context for clients that do not speak MCP: retrieved snippets added to the request itself.

For a request in one of :data:`INJECTORS`' formats (the gateway's ``ApiFormat.name``), the
query is the current turn (the last user message's text); the top hits of ``search_code``
are packed, best first, into one block within a token budget (tokens estimated as characters
/ 3.5, as the router estimates them) and added as a system text: a new block at the end of
Anthropic's ``system``, a ``system`` message before the first OpenAI message. The
:class:`Injection` says how many tokens the context added (the ledger's ``context_tokens``).
Pure apart from the search: the body passed in is never modified.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fulcrum.context.search import Hit
from fulcrum.context.service import ContextService

CHARS_PER_TOKEN = 3.5
HEADER = "Context retrieved from the repository for this turn (path:lines symbol):\n"


@dataclass(frozen=True)
class Injection:
    body: dict[str, Any]
    added_tokens: int = 0
    hits: list[Hit] = field(default_factory=list)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(b.get("text", ""))
            for b in content
            if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def turn_query(messages: list[Any]) -> str:
    """The text of the last user message (tool results and images carry no query)."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            text = _text(message.get("content")).strip()
            if text:
                return text[-2000:]
    return ""


def pack(hits: list[Hit], budget_tokens: int) -> tuple[str, list[Hit]]:
    """The context block of the best hits that fit ``budget_tokens``; ("", []) if none fits."""
    budget = int(budget_tokens * CHARS_PER_TOKEN) - len(HEADER)
    parts, used = [], []
    for h in hits:
        part = f"\n### {h.path}:{h.start_line}-{h.end_line} {h.symbol}\n```\n{h.text}\n```\n"
        if len(part) <= budget:
            parts.append(part)
            used.append(h)
            budget -= len(part)
    return (HEADER + "".join(parts), used) if parts else ("", [])


def _retrieve(
    service: ContextService, messages: list[Any], budget_tokens: int, limit: int
) -> tuple[str, list[Hit]]:
    query = turn_query(messages)
    if not query:
        return "", []
    return pack(service.search_code(query, limit=limit), budget_tokens)


def inject_anthropic(
    body: dict[str, Any], service: ContextService, budget_tokens: int = 1500, limit: int = 8
) -> Injection:
    text, hits = _retrieve(service, body.get("messages") or [], budget_tokens, limit)
    if not text:
        return Injection(body)
    out = copy.copy(body)
    system = body.get("system")
    blocks = [{"type": "text", "text": system}] if isinstance(system, str) else list(system or [])
    out["system"] = [*blocks, {"type": "text", "text": text}]
    return Injection(out, round(len(text) / CHARS_PER_TOKEN), hits)


def inject_openai(
    body: dict[str, Any], service: ContextService, budget_tokens: int = 1500, limit: int = 8
) -> Injection:
    messages = list(body.get("messages") or [])
    text, hits = _retrieve(service, messages, budget_tokens, limit)
    if not text:
        return Injection(body)
    out = copy.copy(body)
    out["messages"] = [{"role": "system", "content": text}, *messages]
    return Injection(out, round(len(text) / CHARS_PER_TOKEN), hits)


Injector = Callable[[dict[str, Any], ContextService, int, int], Injection]
INJECTORS: dict[str, Injector] = {"anthropic": inject_anthropic, "openai": inject_openai}
