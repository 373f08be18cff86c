"""The whole tool-use check around one local call, with the transport passed in.

``send`` is the gateway's coroutine that posts an Anthropic-format request to the routed local
backend (non-streaming) and returns the Anthropic-format response; this module does no I/O of
its own. The gateway uses it for non-streaming clients; a streaming client's answer goes through
:class:`fulcrum.gateway.answer.tooluse.stream.StreamReviewer`, which runs the same review.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fulcrum.gateway.answer.tooluse.outcome import ToolUseOutcome
from fulcrum.gateway.answer.tooluse.repair import prepare_forced_request
from fulcrum.gateway.answer.tooluse.review import review_response

Send = Callable[[dict[str, Any]], Awaitable[Mapping[str, Any]]]


def needs_tool_checks(request: Mapping[str, Any]) -> bool:
    """True when the request declares tools and does not forbid calling them.

    ``tool_choice`` forbids them as ``{"type": "none"}`` (Anthropic) or ``"none"`` (OpenAI).
    """
    tools = request.get("tools")
    choice = request.get("tool_choice")
    forbidden = choice == "none" or (isinstance(choice, Mapping) and choice.get("type") == "none")
    return isinstance(tools, list) and bool(tools) and not forbidden


async def call_with_tool_checks(
    request: Mapping[str, Any], send: Send
) -> tuple[dict[str, Any], ToolUseOutcome]:
    """Force, send, repair, validate and retry once; returns the final message and counters.

    A request without tools is sent unchanged. Errors raised by ``send`` propagate untouched,
    so the gateway's failover sees them exactly as without this check.
    """
    outcome = ToolUseOutcome()
    if not needs_tool_checks(request):
        return dict(await send(dict(request))), outcome
    prepared = prepare_forced_request(request)
    review = review_response(prepared, await send(prepared), outcome, retry_allowed=True)
    if review.retry_request is not None:
        response = await send(review.retry_request)
        review = review_response(prepared, response, outcome, retry_allowed=False)
    return review.body, outcome
