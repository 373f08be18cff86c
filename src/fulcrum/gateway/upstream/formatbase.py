"""The API format's interface (:class:`ApiFormat`): what the gateway knows of one API shape.

The registry, the formats and how a (client, upstream) pair is composed are in
:mod:`fulcrum.gateway.upstream.formats`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from fulcrum.errors import FulcrumError
from fulcrum.gateway.answer.streams import Pump
from fulcrum.routing.request import ANTHROPIC_MAX_TOKENS
from fulcrum.wire.condense import MESSAGES, Shape
from fulcrum.wire.usage import TokenUsage

Body = dict[str, Any]


class ApiFormat:
    """One API shape. The defaults are the hub's (Anthropic Messages): identity conversions."""

    name: ClassVar[str]
    chat_path: ClassVar[str]
    count_tokens_path: ClassVar[str | None] = None
    # a header only this API's clients send: it tells their format on a path every API
    # shares (``/v1/models``), for the shape of an error there
    client_header: ClassVar[str | None] = None
    max_tokens_keys: ClassVar[tuple[str, ...]] = ANTHROPIC_MAX_TOKENS
    passthrough: ClassVar[type[Pump]]  # the pump when client and upstream share this format
    # how its conversation reads when a handed-off session's history is condensed
    # (fulcrum.wire.condense); None: this format's history is sent whole
    history: ClassVar[Shape | None] = MESSAGES

    def headers(self, api_key: str | None, client: Mapping[str, str]) -> dict[str, str]:
        """The upstream request's headers (auth, version) for this format."""
        raise NotImplementedError

    def check(self, body: Body) -> None:
        """Refuse a client body that is not a valid request of this format."""
        raise NotImplementedError

    def usage(self, body: Mapping[str, Any]) -> TokenUsage:
        raise NotImplementedError

    def stream_usage(self, raw: bytes) -> TokenUsage:
        """Usage of (the start of) a stream of this format."""
        return self.passthrough.usage_of(raw)

    def error_body(self, exc: FulcrumError) -> dict[str, Any]:
        raise NotImplementedError

    def likeness(self, body: Mapping[str, Any]) -> int:
        """How surely ``body`` is a request of this format, read without its path: 0 not, 1
        could be, 2 only this one (``route explain`` on a body saved from a log)."""
        return 0

    def routing_view(self, body: Body) -> Mapping[str, Any]:
        """The body as routing reads it: an Anthropic Messages or Chat Completions shape
        (``messages``, ``system``, ``tools``; ``max_tokens_keys`` name its output limit)."""
        return body

    def prepare_upstream(self, out: Body, *, stream: bool) -> bool:
        """Adjust a body about to be sent upstream in this format (``out``: a shallow copy of
        the client's body, or its translation); True when it changed."""
        return False

    def to_hub_request(self, body: Mapping[str, Any]) -> Body:
        return dict(body)

    def from_hub_request(self, body: Mapping[str, Any]) -> Body:
        return dict(body)

    def to_hub_response(self, body: Body, *, model: str) -> Body:
        return body

    def from_hub_response(
        self, body: Body, *, model: str, request: Mapping[str, Any] | None = None
    ) -> Body:
        """An Anthropic answer in this format, for the client's ``request`` (when known)."""
        return body

    def to_hub_stream(self, model: str) -> Pump | None:
        """A pump from this format's stream to Anthropic events; None for the hub itself."""
        return None

    def from_hub_stream(
        self, model: str, *, request: Mapping[str, Any] | None = None
    ) -> Pump | None:
        """A pump from Anthropic events to this format's stream, for the client's ``request``
        (when known); None for the hub itself."""
        return None

    def wants_usage(self, request: Mapping[str, Any] | None) -> bool:
        """Whether a client's stream in this format gets its usage (in its own chunk or event,
        where the format has one that is optional)."""
        return True


class OpenAIFamily(ApiFormat):
    """What OpenAI's APIs share: a bearer key upstream, OpenAI's error body."""

    def headers(self, api_key: str | None, client: Mapping[str, str]) -> dict[str, str]:
        out = {"content-type": "application/json"}
        if api_key:
            out["authorization"] = f"Bearer {api_key}"
        return out

    def error_body(self, exc: FulcrumError) -> dict[str, Any]:
        return exc.openai_body()
