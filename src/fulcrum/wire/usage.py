"""Token usage in both wire formats, read from JSON bodies and from streams.

Everything normalises to :class:`TokenUsage` with Anthropic's meaning of the fields:
``input_tokens`` are the *uncached* prompt tokens, ``cache_read_tokens`` the prompt
tokens served from the cache, ``cache_write_tokens`` those written to it. OpenAI's
``prompt_tokens`` includes its cached tokens (``prompt_tokens_details.cached_tokens``),
so ``input_tokens = prompt_tokens - cached_tokens`` there (DeepSeek reports them as
``prompt_cache_hit_tokens``), and the reverse mapping adds all three back together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fulcrum.catalog.prices import TokenUsage

__all__ = [
    "AnthropicUsageTracker",
    "TokenUsage",
    "anthropic_stream_usage",
    "anthropic_usage",
    "generation_ms",
    "openai_stream_usage",
    "openai_usage",
    "usage_to_anthropic",
    "usage_to_openai",
]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def anthropic_usage(body: Mapping[str, Any]) -> TokenUsage:
    """Usage of an Anthropic Message body (or of a bare ``usage`` object)."""
    raw = body.get("usage", body)
    if not isinstance(raw, Mapping):
        return TokenUsage(0, 0)
    return TokenUsage(
        input_tokens=_int(raw.get("input_tokens")),
        output_tokens=_int(raw.get("output_tokens")),
        cache_read_tokens=_int(raw.get("cache_read_input_tokens")),
        cache_write_tokens=_int(raw.get("cache_creation_input_tokens")),
    )


def generation_ms(body: Mapping[str, Any]) -> float | None:
    """How long the server says generating a whole answer took, in ms: llama.cpp's
    ``timings.predicted_ms`` (its OpenAI-format answers carry it); None when it says nothing."""
    timings = body.get("timings")
    value = timings.get("predicted_ms") if isinstance(timings, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return float(value)


def openai_usage(body: Mapping[str, Any]) -> TokenUsage:
    """Usage of an OpenAI chat.completion (or chunk, or bare ``usage`` object)."""
    raw = body.get("usage", body)
    if not isinstance(raw, Mapping):
        return TokenUsage(0, 0)
    details = raw.get("prompt_tokens_details")
    cached = _int(details.get("cached_tokens")) if isinstance(details, Mapping) else 0
    cached = cached or _int(raw.get("prompt_cache_hit_tokens"))  # DeepSeek's name for it
    prompt = _int(raw.get("prompt_tokens"))
    return TokenUsage(
        input_tokens=max(prompt - cached, 0),
        output_tokens=_int(raw.get("completion_tokens")),
        cache_read_tokens=cached,
    )


def usage_to_anthropic(usage: TokenUsage) -> dict[str, int]:
    return {
        "input_tokens": usage.input_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "output_tokens": usage.output_tokens,
    }


def usage_to_openai(usage: TokenUsage) -> dict[str, Any]:
    prompt = usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens
    return {
        "prompt_tokens": prompt,
        "completion_tokens": usage.output_tokens,
        "total_tokens": prompt + usage.output_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cache_read_tokens},
    }


class AnthropicUsageTracker:
    """Folds Anthropic stream events into the final usage.

    ``message_start`` carries the prompt side; every ``message_delta`` carries the
    cumulative ``output_tokens`` and may restate the prompt side (non-null fields win).
    """

    __slots__ = ("cache_read", "cache_write", "input", "output")

    def __init__(self) -> None:
        self.input = self.output = self.cache_read = self.cache_write = 0

    def feed(self, data: Mapping[str, Any]) -> None:
        kind = data.get("type")
        if kind == "message_start":
            message = data.get("message")
            raw = message.get("usage") if isinstance(message, Mapping) else None
        elif kind == "message_delta":
            raw = data.get("usage")
        else:
            return
        if not isinstance(raw, Mapping):
            return
        for key, attr in _ANTHROPIC_FIELDS:
            value = raw.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                setattr(self, attr, max(value, 0))

    @property
    def usage(self) -> TokenUsage:
        return TokenUsage(self.input, self.output, self.cache_read, self.cache_write)


_ANTHROPIC_FIELDS = (
    ("input_tokens", "input"),
    ("output_tokens", "output"),
    ("cache_read_input_tokens", "cache_read"),
    ("cache_creation_input_tokens", "cache_write"),
)


def anthropic_stream_usage(events: Iterable[Mapping[str, Any]]) -> TokenUsage:
    """Final usage of a stream given its events' parsed data."""
    tracker = AnthropicUsageTracker()
    for data in events:
        tracker.feed(data)
    return tracker.usage


def openai_stream_usage(chunks: Iterable[Mapping[str, Any]]) -> TokenUsage | None:
    """Usage from the last chunk that carried one; None when none did (no include_usage)."""
    found: TokenUsage | None = None
    for chunk in chunks:
        if isinstance(chunk.get("usage"), Mapping):
            found = openai_usage(chunk)
    return found
