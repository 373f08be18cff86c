"""One sender of non-streaming requests up a route chain, answers read as hub messages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fulcrum.gateway.answer.tooluse import add_usage
from fulcrum.gateway.answer.translate import (
    answer_error,
    body_builder,
    dumps,
    upstream_client_error,
)
from fulcrum.gateway.brainroute import observe_answer
from fulcrum.gateway.metering import Call
from fulcrum.gateway.upstream.chain import BodyBuilder, open_chain
from fulcrum.gateway.upstream.formats import HUB
from fulcrum.routing.brain.decide import Brain
from fulcrum.wire.usage import TokenUsage, generation_ms

Body = dict[str, Any]


class ChainSender:
    """``send`` for the tool-use flow and the cascade: the first call goes up the chain, a
    retry to the backend that answered; answers come back as hub messages, the usage of every
    call summed for the ledger."""

    def __init__(
        self, headers: Mapping[str, str], chain: list[Any], call: Call, brain: Brain | None = None
    ) -> None:
        self.headers = headers
        self.chain = chain
        self.call = call
        self.brain = brain  # with one, a local answer is a sample of its latency SLO
        self.usage = TokenUsage(0, 0)

    async def __call__(self, message_req: Body) -> Body:
        return await self.send(body_builder(HUB, message_req, dumps(message_req), stream=False))

    async def send(self, build: BodyBuilder) -> Body:
        opened = await open_chain(
            self.chain,
            build,
            self.headers,
            stream=False,
            log=self.call.attempts,
            session=self.call.affinity,
        )
        self.chain = [(opened.backend, opened.target)]
        self.call.served_by(opened.backend, opened.target)
        if not opened.ok:
            raise upstream_client_error(opened.status, opened.first)
        try:
            raw = json.loads(opened.first)
            parsed = opened.backend.format.to_hub_response(raw, model=opened.target.model)
        except (ValueError, KeyError, TypeError) as exc:
            raise answer_error(opened.target.backend, exc) from exc
        if self.brain is not None:  # each answer a sample of the local latency SLO
            observe_answer(
                self.brain, opened, generation_ms(raw) if isinstance(raw, dict) else None
            )
        self.usage = add_usage(self.usage, HUB.usage(parsed))
        return parsed
