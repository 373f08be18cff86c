"""Route selection: aliases, header, background model, session stickiness, context-window guard.

Pure and I/O-free: the gateway builds a :class:`RouteRequest` from each body, asks
:meth:`Router.choose` for a :class:`RouteDecision`, and walks its failover chain.
"""

from fulcrum.routing.config import (
    BackendCaps,
    RoutingConfig,
    TargetSpec,
    parse_routing_config,
)
from fulcrum.routing.request import (
    DEFAULT_BACKGROUND_MODELS,
    RouteRequest,
    is_background_model,
    route_request_from_anthropic,
    route_request_from_openai,
    session_from,
)
from fulcrum.routing.router import RouteDecision, Router, RouteTarget
from fulcrum.routing.sticky import StickyStore
from fulcrum.routing.tokens import (
    CHARS_PER_TOKEN,
    count_tokens_response,
    estimate_request_tokens,
    estimate_tokens_text,
)

__all__ = [
    "CHARS_PER_TOKEN",
    "DEFAULT_BACKGROUND_MODELS",
    "BackendCaps",
    "RouteDecision",
    "RouteRequest",
    "RouteTarget",
    "Router",
    "RoutingConfig",
    "StickyStore",
    "TargetSpec",
    "count_tokens_response",
    "estimate_request_tokens",
    "estimate_tokens_text",
    "is_background_model",
    "parse_routing_config",
    "route_request_from_anthropic",
    "route_request_from_openai",
    "session_from",
]
