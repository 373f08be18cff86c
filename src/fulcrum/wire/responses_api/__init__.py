"""OpenAI's Responses API, a client's and a backend's: a client's requests to Chat Completions
(and so to the hub), the hub's answers and streams back to it; and the way to a backend that
speaks it (:mod:`~.backend`, :mod:`~.stream_in`)."""

from fulcrum.wire.responses_api.answer import (
    anthropic_to_responses_response,
    responses_usage,
    usage_to_responses,
)
from fulcrum.wire.responses_api.request import (
    RESPONSES_REQUEST_RULES,
    responses_to_openai_request,
)
from fulcrum.wire.responses_api.stream import AnthropicToResponsesStream

__all__ = [
    "RESPONSES_REQUEST_RULES",
    "AnthropicToResponsesStream",
    "anthropic_to_responses_response",
    "responses_to_openai_request",
    "responses_usage",
    "usage_to_responses",
]
