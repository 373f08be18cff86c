"""A small OpenAI Chat Completions client (stdlib HTTP, safe to call from worker threads).

Every model call of an eval goes to one base URL (normally the fulcrum gateway, so the ledger
meters it) with one model name; the wire format is OpenAI's, so the same client also talks to
llama.cpp, vLLM, Ollama or the scripted model directly.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from fulcrum.errors import UpstreamError

DEFAULT_KEY = "fulcrum-eval"


@dataclass(frozen=True, slots=True)
class Endpoint:
    base_url: str  # e.g. http://127.0.0.1:8787/v1
    model: str
    api_key: str = DEFAULT_KEY
    timeout_s: float = 300.0
    max_tokens: int = 4096

    @property
    def chat_url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"


@dataclass(frozen=True, slots=True)
class ChatReply:
    text: str
    input_tokens: int
    output_tokens: int


def _usage(body: dict[str, Any]) -> tuple[int, int]:
    usage = body.get("usage") or {}
    return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


def complete(
    endpoint: Endpoint, messages: list[dict[str, str]], *, session: str | None = None
) -> ChatReply:
    """One non-streaming chat completion; raises :class:`UpstreamError` on any failure."""
    payload = {
        "model": endpoint.model,
        "messages": messages,
        "max_tokens": endpoint.max_tokens,
        "temperature": 0,
        "stream": False,
    }
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {endpoint.api_key}",
        "User-Agent": "fulcrum-eval",
    }
    if session:
        headers["X-Fulcrum-Session"] = session
    request = urllib.request.Request(
        endpoint.chat_url, data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=endpoint.timeout_s) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", errors="replace")
        raise UpstreamError(f"{endpoint.chat_url}: HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise UpstreamError(f"{endpoint.chat_url}: {exc}") from exc
    try:
        text = body["choices"][0]["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise UpstreamError(f"{endpoint.chat_url}: reply has no choices[0].message") from exc
    prompt, completion = _usage(body)
    return ChatReply(str(text), prompt, completion)
