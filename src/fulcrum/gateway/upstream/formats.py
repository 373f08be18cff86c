"""API formats: one object per API shape, for the client side and the upstream side alike.

An :class:`ApiFormat` (:mod:`~fulcrum.gateway.upstream.formatbase`) is all the gateway knows
about one API shape (Anthropic Messages, OpenAI Chat Completions, OpenAI Responses): its chat
path and auth headers upstream, the check of a client body, the
``max_tokens`` keys (routing and clamping), usage, the error body, its stream pumps, and how its
requests, answers and streams convert to and from the hub shape, Anthropic Messages. A (client,
upstream) pair is composed from the two formats (:func:`convert_request`, :func:`stream_pump`);
the same format on both sides passes bytes through untouched.

Core code holds format objects and compares them by identity, never by name; the name is data
(``format = "..."`` in the config, the ledger's ``fmt``). :data:`FORMATS` is the only list of
formats: adding one is a class given to :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fulcrum.errors import FulcrumError, InvalidRequest
from fulcrum.gateway.answer.hubpumps import (
    AnthropicToOpenAIPump,
    ChainedPump,
    OpenAIToAnthropicPump,
)
from fulcrum.gateway.answer.streams import AnthropicPump, OpenAIPump, Pump
from fulcrum.gateway.inbound.validate import check_anthropic, check_openai
from fulcrum.gateway.upstream import likeness
from fulcrum.gateway.upstream.formatbase import ApiFormat, Body, OpenAIFamily
from fulcrum.gateway.upstream.responsesformat import ResponsesFormat
from fulcrum.routing.request import OPENAI_MAX_TOKENS
from fulcrum.wire.condense import CHAT
from fulcrum.wire.history import native_history
from fulcrum.wire.legacy import uses_legacy_functions
from fulcrum.wire.maps import error_message
from fulcrum.wire.request_to_anthropic import openai_to_anthropic_request
from fulcrum.wire.request_to_openai import anthropic_to_openai_request
from fulcrum.wire.responses import anthropic_to_openai_response, openai_to_anthropic_response
from fulcrum.wire.usage import TokenUsage, anthropic_usage, openai_usage

__all__ = [
    "ANTHROPIC",
    "FORMATS",
    "HUB",
    "OPENAI",
    "RESPONSES",
    "AnthropicFormat",
    "ApiFormat",
    "OpenAIFormat",
    "client_format",
    "convert_request",
    "convert_response",
    "register",
    "stream_pump",
]


class AnthropicFormat(ApiFormat):
    name = "anthropic"
    chat_path = "/v1/messages"
    count_tokens_path = "/v1/messages/count_tokens"
    client_header = "anthropic-version"
    passthrough = AnthropicPump
    _FORWARDED = ("anthropic-version", "anthropic-beta")

    def headers(self, api_key: str | None, client: Mapping[str, str]) -> dict[str, str]:
        out = {"content-type": "application/json", "anthropic-version": "2023-06-01"}
        for name in self._FORWARDED:
            if value := client.get(name):  # not ASCII: it could not be sent on (a 500)
                if not value.isascii():
                    raise InvalidRequest(f"{name}: header values are ASCII", param=name)
                out[name] = value
        if api_key:
            out["x-api-key"] = api_key
        return out

    def check(self, body: Body) -> None:
        check_anthropic(body)

    def likeness(self, body: Mapping[str, Any]) -> int:
        return likeness.anthropic(body)

    def usage(self, body: Mapping[str, Any]) -> TokenUsage:
        return anthropic_usage(body)

    def error_body(self, exc: FulcrumError) -> dict[str, Any]:
        return exc.anthropic_body()

    def prepare_upstream(self, out: Body, *, stream: bool) -> bool:
        """A conversation partly answered by another model through fulcrum may hold blocks
        the Messages API refuses (a local model's unsigned reasoning, its blank text before
        a tool call): they are dropped (:func:`~fulcrum.wire.history.native_history`; a
        body without them is sent as it came)."""
        messages = native_history(out.get("messages"))
        if messages is None:
            return False
        out["messages"] = messages
        return True


def _one_choice(body: Mapping[str, Any]) -> None:
    """``n`` above 1 (several choices) cannot cross a translation: Messages and the Responses
    API answer one. A 400 naming it, not one choice in silence."""
    n = body.get("n")
    if isinstance(n, int) and not isinstance(n, bool) and n > 1:
        raise InvalidRequest(
            f"n: {n} choices can be asked only of an OpenAI-format backend, and this route "
            "translates the request for one that answers a single choice; send n requests, "
            "or route the model to an OpenAI-format backend",
            param="n",
        )


class OpenAIFormat(OpenAIFamily):
    name = "openai"
    chat_path = "/v1/chat/completions"
    max_tokens_keys = OPENAI_MAX_TOKENS
    passthrough = OpenAIPump
    history = CHAT

    def check(self, body: Body) -> None:
        check_openai(body)

    def likeness(self, body: Mapping[str, Any]) -> int:
        return likeness.openai(body)

    def usage(self, body: Mapping[str, Any]) -> TokenUsage:
        return openai_usage(body)

    def prepare_upstream(self, out: Body, *, stream: bool) -> bool:
        """A stream is asked for its usage (the ledger needs it; see ``OpenAIPump``)."""
        options = out.get("stream_options")
        if not stream or (isinstance(options, dict) and options.get("include_usage")):
            return False
        out["stream_options"] = {**(options or {}), "include_usage": True}
        return True

    def to_hub_request(self, body: Mapping[str, Any]) -> Body:
        _one_choice(body)
        return openai_to_anthropic_request(body)

    def from_hub_request(self, body: Mapping[str, Any]) -> Body:
        return anthropic_to_openai_request(body)

    def to_hub_response(self, body: Body, *, model: str) -> Body:
        _answered(body)
        return openai_to_anthropic_response(body, model=model)

    def from_hub_response(
        self, body: Body, *, model: str, request: Mapping[str, Any] | None = None
    ) -> Body:
        legacy = uses_legacy_functions(request)
        return anthropic_to_openai_response(body, model=model, legacy=legacy)

    def to_hub_stream(self, model: str) -> Pump | None:
        return OpenAIToAnthropicPump(model)

    def from_hub_stream(
        self, model: str, *, request: Mapping[str, Any] | None = None
    ) -> Pump | None:
        legacy = uses_legacy_functions(request)
        usage = self.wants_usage(request)
        return AnthropicToOpenAIPump(model, include_usage=usage, legacy=legacy)

    def wants_usage(self, request: Mapping[str, Any] | None) -> bool:
        """Only a client that asked (``stream_options.include_usage``) gets the usage chunk."""
        options = (request or {}).get("stream_options")
        return isinstance(options, dict) and options.get("include_usage") is True


FORMATS: dict[str, ApiFormat] = {}
F = TypeVar("F", bound=ApiFormat)


def register(fmt: F) -> F:
    """Add ``fmt`` to the registry under its name (config and ledger use the name)."""
    FORMATS[fmt.name] = fmt
    return fmt


ANTHROPIC = register(AnthropicFormat())
OPENAI = register(OpenAIFormat())
RESPONSES = register(ResponsesFormat())
HUB = ANTHROPIC  # the shape every conversion goes through; tool review works in it
ERRORS_ELSEWHERE = OPENAI  # the error body on paths that belong to no format
# Client → upstream requests converted directly, not through the hub: what the hub has no
# field for (a Responses request's top_p, user, reasoning effort, strict tools, its format's
# name) then reaches a Chat Completions backend as the client sent it.
DIRECT: dict[tuple[ApiFormat, ApiFormat], Callable[[Mapping[str, Any]], Body]] = {
    (RESPONSES, OPENAI): RESPONSES.chat_request,
}


def guess_format(body: Mapping[str, Any]) -> ApiFormat:
    """The format ``body`` is most surely a request of (:meth:`ApiFormat.likeness`; a tie goes
    to the first registered: plain user and assistant turns read the same in the two messages
    APIs)."""
    return max(FORMATS.values(), key=lambda fmt: fmt.likeness(body))


def client_format(path: str, headers: Mapping[str, str] | None = None) -> ApiFormat:
    """The format a client on ``path`` speaks (its error bodies are shaped by it); on a path
    of no format's, the one whose client header ``headers`` carry, if any."""
    for fmt in FORMATS.values():
        if path.startswith(fmt.chat_path):
            return fmt
    for fmt in FORMATS.values():
        if headers is not None and fmt.client_header and fmt.client_header in headers:
            return fmt
    return ERRORS_ELSEWHERE


def convert_request(client: ApiFormat, upstream: ApiFormat, body: Mapping[str, Any]) -> Body:
    """A client request in ``upstream``'s format (a new dict; the body is not changed)."""
    if client is upstream:
        return dict(body)
    direct = DIRECT.get((client, upstream))
    if direct is not None:
        return direct(body)
    return upstream.from_hub_request(client.to_hub_request(body))


def convert_response(
    client: ApiFormat,
    upstream: ApiFormat,
    body: Body,
    *,
    model: str,
    request: Mapping[str, Any] | None = None,
) -> Body:
    """An upstream answer in the client's format (shaped for its ``request`` when known)."""
    if client is upstream:
        return body
    hub = upstream.to_hub_response(body, model=model)
    return client.from_hub_response(hub, model=model, request=request)


def stream_pump(
    client: ApiFormat, upstream: ApiFormat, model: str, *, request: Mapping[str, Any] | None = None
) -> Pump:
    """The pump from ``upstream``'s stream to ``client``'s (shaped for the client's
    ``request``): bytes untouched when they match."""
    if client is upstream:
        return client.passthrough(model, include_usage=client.wants_usage(request))
    into = upstream.to_hub_stream(model)
    out = client.from_hub_stream(model, request=request)
    if into is None or out is None:
        pump = into or out
        return pump if pump is not None else HUB.passthrough(model)
    return ChainedPump(into, out)


def _answered(body: Body) -> None:
    """A 200 that carries an error, or no choice, is no answer (a 502, never an empty one)."""
    if isinstance(body.get("error"), Mapping):
        raise ValueError(f"an error in a 200 answer: {error_message(body)}")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        raise ValueError("an answer without a choice")
