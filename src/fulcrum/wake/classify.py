"""One wake decision: ask the filter's backend under the schema, retry once, else fall back.

1. The backend gets the filter's instructions and the event, with the answer's schema
   written in by the filter's constraint (``response_format`` for an OpenAI-format server),
   through :func:`~fulcrum.gateway.upstream.chain.open_chain` (its transport retries and
   circuit breaker apply) within the filter's ``timeout_s``.
2. An answer that is not schema-valid JSON (or not a readable chat answer at all) is asked
   for once more, the invalid text and the validation error shown to the model.
3. Still invalid, or no answer (the backend unreachable, an error status, the timeout): the
   filter's ``fallback`` decides, with confidence 0 and a reason saying why. The caller
   always gets a decision, never a 5xx.

Every try is in the call's attempts (the ledger row's ``attempts``), the retry is counted in
``tool_retries``, and the usage of both tries is summed into the row.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from fulcrum.errors import FulcrumError
from fulcrum.gateway.metering import Call
from fulcrum.gateway.state import GatewayState
from fulcrum.gateway.upstream.backends import Backend
from fulcrum.gateway.upstream.chain import open_chain
from fulcrum.gateway.upstream.formats import OPENAI, convert_request
from fulcrum.kinds import BackendKind
from fulcrum.routing.router import RouteTarget
from fulcrum.wake.config import WakeFilter
from fulcrum.wake.constraints import CONSTRAINTS
from fulcrum.wake.request import WakeRequest
from fulcrum.wake.schema import (
    InvalidAnswer,
    Verdict,
    answer_schema,
    decide,
    fallback_verdict,
    prompt,
    read_answer,
)
from fulcrum.wire.usage import TokenUsage

TRIES = 2  # the first answer and one retry


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    fallback: bool
    tries: int  # answers the backend gave (1, 2 after a retry; 0: none)


class NoAnswer(Exception):
    """The backend gave no answer to read (unreachable, error status, timeout)."""


async def classify(state: GatewayState, flt: WakeFilter, req: WakeRequest, call: Call) -> Outcome:
    """The decision for ``req``; fills ``call`` (backend, usage, attempts, retries)."""
    labels = req.labels or flt.labels
    backend = state.backends[flt.backend]
    kind: BackendKind = "local" if backend.config.kind == "local" else "api"
    target = RouteTarget(flt.backend, flt.model, kind, backend.config.context_window, None)
    call.served_by(backend, target)
    call.model_requested = flt.model
    call.route_reason = "wake"
    if kind == "local":
        call.busy_token = state.local_clock.enter()
    system = prompt(req.instructions or flt.instructions, labels, flt.wake_labels)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": req.user_text()}]
    why = ""
    for tries in range(1, TRIES + 1):
        try:
            text = await _ask(backend, target, flt, messages, labels, call=call)
        except NoAnswer as exc:
            call.error = f"fallback: {exc}"[:500]
            verdict = fallback_verdict(*_rule(flt), labels, flt.wake_labels, str(exc))
            return Outcome(verdict, True, tries - 1)
        try:
            answer = read_answer(text, labels)
        except InvalidAnswer as exc:
            why = f"invalid output ({exc})"
            if tries < TRIES:
                call.tool_retries += 1
                messages = [*messages[:2], *_repair(text, str(exc))]
            continue
        return Outcome(decide(answer, labels, flt.wake_labels), False, tries)
    call.error = f"fallback after {TRIES} invalid answers: {why}"[:500]
    verdict = fallback_verdict(*_rule(flt), labels, flt.wake_labels, why)
    return Outcome(verdict, True, TRIES)


def _rule(flt: WakeFilter) -> tuple[bool | None, str | None]:
    return flt.fallback.wake, flt.fallback.label


def _repair(text: str, error: str) -> list[dict[str, str]]:
    """The invalid answer and what was wrong with it, for the one retry."""
    return [
        {"role": "assistant", "content": text[:2000]},
        {
            "role": "user",
            "content": f"That answer is invalid: {error}. Answer again with only the JSON "
            "object, exactly in the shape asked for.",
        },
    ]


def upstream_body(
    backend: Backend, flt: WakeFilter, messages: list[dict[str, str]], labels: tuple[str, ...]
) -> bytes:
    """The request in the backend's format, the schema written in by the filter's constraint."""
    body: dict[str, Any] = {
        "model": flt.model,
        "messages": messages,
        "max_tokens": flt.max_tokens,
        "temperature": 0,
        "stream": False,
    }
    if backend.format is not OPENAI:
        body = convert_request(OPENAI, backend.format, body)
    CONSTRAINTS[flt.constraint].apply(body, f"wake_{flt.name}", answer_schema(labels))
    return json.dumps(body).encode()


async def _ask(
    backend: Backend,
    target: RouteTarget,
    flt: WakeFilter,
    messages: list[dict[str, str]],
    labels: tuple[str, ...],
    *,
    call: Call,
) -> str:
    """The text of one answer; its usage added to the call's. :class:`NoAnswer` if none."""
    data = upstream_body(backend, flt, messages, labels)
    try:
        async with asyncio.timeout(flt.timeout_s):
            opened = await open_chain(
                [(backend, target)], lambda _b, _t: data, {}, stream=False, log=call.attempts
            )
    except TimeoutError:
        raise NoAnswer(f"no answer from {flt.backend} within {flt.timeout_s:g} s") from None
    except FulcrumError as exc:
        raise NoAnswer(exc.message) from None
    if not opened.ok:
        detail = opened.first[:200].decode("utf-8", errors="replace")
        raise NoAnswer(f"{flt.backend} answered HTTP {opened.status}: {detail}")
    try:
        body = json.loads(opened.first)
        _add_usage(call, backend.format.usage(body))
        hub = backend.format.to_hub_response(body, model=flt.model)
        blocks = hub.get("content") or []
        return "".join(b.get("text", "") for b in blocks if b.get("type") == "text")
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        shown = opened.first[:80].decode("utf-8", errors="replace")
        return f"<not a chat answer: {type(exc).__name__}> {shown}"


def _add_usage(call: Call, usage: TokenUsage) -> None:
    old = call.usage or TokenUsage(0, 0)
    call.usage = TokenUsage(
        old.input_tokens + usage.input_tokens,
        old.output_tokens + usage.output_tokens,
        old.cache_read_tokens + usage.cache_read_tokens,
        old.cache_write_tokens + usage.cache_write_tokens,
    )
