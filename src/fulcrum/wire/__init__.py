"""Wire formats: Anthropic Messages, OpenAI Chat Completions and (in
:mod:`fulcrum.wire.responses_api`) OpenAI Responses.

Pure functions over ``dict`` bodies (no I/O): SSE decoding and encoding, translation
both ways for requests, responses and streams, error bodies, and usage extraction.
Each translation module documents its rule table for fields it maps or drops.
"""

from fulcrum.wire.history import native_history
from fulcrum.wire.maps import (
    anthropic_error_to_openai,
    anthropic_stop,
    error_message,
    new_id,
    openai_error_to_anthropic,
    openai_stop,
)
from fulcrum.wire.request_to_anthropic import (
    OPENAI_REQUEST_RULES,
    openai_to_anthropic_request,
)
from fulcrum.wire.request_to_openai import (
    ANTHROPIC_REQUEST_RULES,
    anthropic_to_openai_request,
)
from fulcrum.wire.responses import anthropic_to_openai_response, openai_to_anthropic_response
from fulcrum.wire.sse import SSEDecoder, SSEEvent, encode_sse, json_event
from fulcrum.wire.stream_to_anthropic import OpenAIToAnthropicStream
from fulcrum.wire.stream_to_openai import DONE, AnthropicToOpenAIStream, encode_chunk
from fulcrum.wire.usage import (
    AnthropicUsageTracker,
    TokenUsage,
    anthropic_stream_usage,
    anthropic_usage,
    openai_stream_usage,
    openai_usage,
    usage_to_anthropic,
    usage_to_openai,
)
from fulcrum.wire.validate import StreamGrammarError, check_anthropic_stream

__all__ = [
    "ANTHROPIC_REQUEST_RULES",
    "DONE",
    "OPENAI_REQUEST_RULES",
    "AnthropicToOpenAIStream",
    "AnthropicUsageTracker",
    "OpenAIToAnthropicStream",
    "SSEDecoder",
    "SSEEvent",
    "StreamGrammarError",
    "TokenUsage",
    "anthropic_error_to_openai",
    "anthropic_stop",
    "anthropic_stream_usage",
    "anthropic_to_openai_request",
    "anthropic_to_openai_response",
    "anthropic_usage",
    "check_anthropic_stream",
    "encode_chunk",
    "encode_sse",
    "error_message",
    "json_event",
    "native_history",
    "new_id",
    "openai_error_to_anthropic",
    "openai_stop",
    "openai_stream_usage",
    "openai_to_anthropic_request",
    "openai_to_anthropic_response",
    "openai_usage",
    "usage_to_anthropic",
    "usage_to_openai",
]
