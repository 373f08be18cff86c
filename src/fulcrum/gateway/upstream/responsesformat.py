"""OpenAI Responses (``POST /v1/responses``), a client's API and a backend's.

A client's request is read as Chat Completions (:mod:`fulcrum.wire.responses_api.request`)
and routed as one. To a backend of this format (``format = "responses"``: OpenAI's own, where
its Responses-only models are, or vLLM's) it goes as it came, and the stream passes through
(:class:`~fulcrum.gateway.answer.responsespump.ResponsesPump`); to any other it goes through
the hub, and the answer and its stream come back from it (:mod:`fulcrum.wire.responses_api`).
Any client's request reaches a Responses backend the same way, through the hub
(:mod:`fulcrum.wire.responses_api.backend`). Errors have OpenAI's shape. Kept responses
(``previous_response_id``, ``GET /v1/responses/{id}``) are :mod:`fulcrum.responsestate`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fulcrum.gateway.answer.responsespump import (
    AnthropicToResponsesPump,
    ResponsesPump,
    ResponsesToAnthropicPump,
)
from fulcrum.gateway.answer.streams import Pump
from fulcrum.gateway.inbound.validate_responses import check_responses
from fulcrum.gateway.upstream import likeness
from fulcrum.gateway.upstream.formatbase import Body, OpenAIFamily
from fulcrum.routing.request import OPENAI_MAX_TOKENS
from fulcrum.wire.condense import RESPONSES
from fulcrum.wire.request_to_anthropic import openai_to_anthropic_request
from fulcrum.wire.request_to_openai import anthropic_to_openai_request
from fulcrum.wire.responses_api import (
    anthropic_to_responses_response,
    responses_to_openai_request,
    responses_usage,
)
from fulcrum.wire.responses_api.backend import (
    openai_to_responses_request,
    responses_to_anthropic_response,
)
from fulcrum.wire.usage import TokenUsage


class ResponsesFormat(OpenAIFamily):
    name = "responses"
    chat_path = "/v1/responses"
    max_tokens_keys = OPENAI_MAX_TOKENS  # the routing view's: Chat Completions
    passthrough = ResponsesPump
    history = RESPONSES  # its input items, when a handed-off session's history is condensed

    def check(self, body: Body) -> None:
        check_responses(body)

    def likeness(self, body: Mapping[str, Any]) -> int:
        return likeness.responses(body)

    def prepare_upstream(self, out: Body, *, stream: bool) -> bool:
        """A continued conversation's body names the response it continues, for its answer;
        a backend knows none of the gateway's ids, and is sent the conversation instead."""
        changed = super().prepare_upstream(out, stream=stream)
        if out.pop("previous_response_id", None) is not None:
            return True
        return changed

    def usage(self, body: Mapping[str, Any]) -> TokenUsage:
        return responses_usage(body)

    # The last body's Chat Completions form: the gateway routes on it, then converts the same
    # body for the hub (once, not twice: Codex sends its whole conversation every turn). Kept
    # with the body itself, so another body (a condensed one, another request's) is converted
    # anew.
    _last: tuple[Mapping[str, Any], Body] | None = None

    def routing_view(self, body: Body) -> Mapping[str, Any]:
        return self._chat(body)

    def to_hub_request(self, body: Mapping[str, Any]) -> Body:
        return openai_to_anthropic_request(self._chat(body))

    def chat_request(self, body: Mapping[str, Any]) -> Body:
        """The body as a Chat Completions request (a copy: the caller may change it)."""
        return dict(self._chat(body))

    def _chat(self, body: Mapping[str, Any]) -> Body:
        last = self._last
        if last is not None and last[0] is body:
            return last[1]
        chat = responses_to_openai_request(body)
        self._last = (body, chat)
        return chat

    def from_hub_request(self, body: Mapping[str, Any]) -> Body:
        return openai_to_responses_request(anthropic_to_openai_request(body))

    def to_hub_response(self, body: Body, *, model: str) -> Body:
        return responses_to_anthropic_response(body, model=model)

    def to_hub_stream(self, model: str) -> Pump | None:
        return ResponsesToAnthropicPump(model)

    def from_hub_response(
        self, body: Body, *, model: str, request: Mapping[str, Any] | None = None
    ) -> Body:
        return anthropic_to_responses_response(body, model=model, request=request)

    def from_hub_stream(
        self, model: str, *, request: Mapping[str, Any] | None = None
    ) -> Pump | None:
        return AnthropicToResponsesPump(model, request=request)
