"""Shared pieces of the kept-responses tests: the table that turns keeping on, the SDK client,
what a backend was sent."""

from __future__ import annotations

from typing import Any

import openai

from fulcrum.testing.gateway import RunningGateway

KEEP = "\n[responses]\nstore = true\n"
# with_responses_backend's Anthropic-, OpenAI- and Responses-format backends
MODELS = ["to-claude", "to-openai", "to-codex"]


def client(gw: RunningGateway, key: str = "client-key") -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.openai_base_url, api_key=key, max_retries=0)


def said(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(role, text) of every message a backend was sent, system prompt first, in any format
    (Anthropic's system field and blocks, Chat Completions' messages, Responses' items)."""
    if "input" in body:
        return [(item.get("role", item["type"]), _text(item.get("content")))
                for item in body["input"] if item.get("type", "message") == "message"]  # fmt: skip
    out: list[tuple[str, str]] = []
    system = body.get("system")
    if system:
        out.append(("system", _text(system)))
    for message in body.get("messages", []):
        text = _text(message.get("content"))
        if message.get("tool_calls"):
            text += " ".join(c["function"]["name"] for c in message["tool_calls"])
        out.append((message["role"], text))
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for part in content or []:
        if part.get("type") in ("text", "input_text", "output_text"):
            parts.append(part["text"])
        elif part.get("type") == "tool_use":
            parts.append(part["name"])
        elif part.get("type") == "tool_result":
            parts.append(_text(part.get("content")))
    return " ".join(parts)
