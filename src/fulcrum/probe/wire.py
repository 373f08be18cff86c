"""The wire formats a probe speaks, as a registry: core code never names a provider.

An :class:`ProbeApi` builds the streaming request for a prompt and reads one server-sent
event's JSON into a :class:`Event` (text arrived, and usage where the stream gives it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Event:
    text: bool = False
    prompt_tokens: int | None = None
    output_tokens: int | None = None


class ProbeApi(Protocol):
    path: str

    def headers(self, key: str) -> dict[str, str]: ...

    def body(self, model: str, prompt: str, max_tokens: int) -> dict[str, Any]: ...

    def read(self, data: dict[str, Any]) -> Event: ...


class OpenAIChat:
    """``/v1/chat/completions`` streaming, usage requested in the last chunk."""

    path = "/v1/chat/completions"

    def headers(self, key: str) -> dict[str, str]:
        return {"authorization": f"Bearer {key}"} if key else {}

    def body(self, model: str, prompt: str, max_tokens: int) -> dict[str, Any]:
        return {
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": True,
            "stream_options": {"include_usage": True},
        }

    def read(self, data: dict[str, Any]) -> Event:
        choices = data.get("choices") or []
        delta = choices[0].get("delta", {}) if choices else {}
        text = bool(delta.get("content") or delta.get("reasoning_content"))
        usage = data.get("usage") or {}
        return Event(text, usage.get("prompt_tokens"), usage.get("completion_tokens"))


class AnthropicMessages:
    """``/v1/messages`` streaming: input tokens in ``message_start``, output in
    ``message_delta``."""

    path = "/v1/messages"

    def headers(self, key: str) -> dict[str, str]:
        out = {"anthropic-version": "2023-06-01"}
        return {**out, "x-api-key": key} if key else out

    def body(self, model: str, prompt: str, max_tokens: int) -> dict[str, Any]:
        return {
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": True,
        }

    def read(self, data: dict[str, Any]) -> Event:
        kind = data.get("type")
        if kind == "content_block_delta":
            delta = data.get("delta", {})
            return Event(text=bool(delta.get("text") or delta.get("thinking")))
        if kind == "message_start":
            usage = data.get("message", {}).get("usage", {})
            return Event(prompt_tokens=usage.get("input_tokens"))
        if kind == "message_delta":
            return Event(output_tokens=data.get("usage", {}).get("output_tokens"))
        return Event()


APIS: dict[str, ProbeApi] = {"openai": OpenAIChat(), "anthropic": AnthropicMessages()}
