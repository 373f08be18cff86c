"""A cascade's local step: the whole local answer, asked for non-streaming, before any check.

A request with tools goes through the tool-use review as on every local route
(:func:`~fulcrum.gateway.answer.tooluse.call_with_tool_checks`: repair, and one retry carrying
the validation error, to the backend that answered). Any other request is sent once in the
client's own format (so an OpenAI ``response_format`` reaches an OpenAI-format local server),
with ``stream`` off. Only the local targets of the chain are tried: a local backend that cannot
answer is a failure of the step, and the cascade's frontier step (budgeted) takes over.

The answer comes back as an Anthropic message (the hub), with the usage of every call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fulcrum.errors import FulcrumError
from fulcrum.gateway.answer.sender import ChainSender
from fulcrum.gateway.answer.tooluse import ToolUseOutcome, call_with_tool_checks
from fulcrum.gateway.answer.tooluse.flow import needs_tool_checks
from fulcrum.gateway.answer.translate import body_builder, dumps
from fulcrum.gateway.metering import Call
from fulcrum.gateway.upstream.formats import ApiFormat
from fulcrum.routing.brain.decide import Brain
from fulcrum.wire.usage import TokenUsage

Body = dict[str, Any]


@dataclass(slots=True)
class LocalAnswer:
    hub_request: Body
    message: Body | None = None  # None: the local step failed (``error`` says why)
    usage: TokenUsage = field(default_factory=lambda: TokenUsage(0, 0))
    outcome: ToolUseOutcome = field(default_factory=ToolUseOutcome)
    error: FulcrumError | None = None


async def ask_local(
    headers: Mapping[str, str], api: ApiFormat, body: Body, chain: list[Any], call: Call,
    *, brain: Brain | None = None,
) -> LocalAnswer:  # fmt: skip
    """The local step (module docstring); a 4xx from the backend is raised as the client's.
    With ``brain``, its answer is a sample of the local latency SLO."""
    hub_request = {**api.to_hub_request(body), "stream": False}
    local = [(b, t) for b, t in chain if t.kind == "local"] or chain[:1]
    send = ChainSender(headers, local, call, brain)
    answer = LocalAnswer(hub_request)
    try:
        if needs_tool_checks(hub_request):
            answer.message, answer.outcome = await call_with_tool_checks(hub_request, send)
        else:
            once = {k: v for k, v in body.items() if k != "stream_options"}
            once["stream"] = False
            answer.message = await send.send(body_builder(api, once, dumps(once), stream=False))
    except FulcrumError as exc:
        if exc.status < 500 and exc.status != 429:
            raise
        answer.error = exc
    answer.usage = send.usage
    return answer
