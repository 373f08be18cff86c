"""Answering the client from an opened upstream response: JSON or a stream.

Streams are written chunk by chunk as they arrive (no buffering); the idle and total
timeouts apply between chunks. Once the client has bytes, failover is impossible: an
upstream that breaks, stalls or ends early ends the client's stream with a well-formed
error event instead. Usage is read after the response is finished, and so is an error the
upstream itself ended its stream with (Anthropic's ``error`` event, OpenAI's ``{"error"}``
chunk): the client has it, passed on or translated, and the row records it as a failure.
"""

from __future__ import annotations

import json
import time
from functools import partial
from typing import Any

import aiohttp

from fulcrum.gateway.answer.streams import Pump
from fulcrum.gateway.answer.translate import (
    answer_error,
    answer_measures,
    client_body,
    upstream_client_error,
)
from fulcrum.gateway.inbound.exchange import Exchange
from fulcrum.gateway.metering import Call
from fulcrum.gateway.upstream.chain import Opened
from fulcrum.gateway.upstream.describe import describe
from fulcrum.gateway.upstream.faststream import Streamed, read_within
from fulcrum.gateway.upstream.formats import ApiFormat, stream_pump
from fulcrum.wire.sse import SSEDecoder

UPSTREAM_READ_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)


class StreamBroken(Exception):
    """The backend's stream stalled past a timeout or broke; the message says which."""


async def next_chunk(
    content: aiohttp.StreamReader | Streamed, deadline: float, idle: float
) -> bytes:
    """The upstream's next chunk (``b""`` at its end), waiting at most ``idle`` seconds and
    never past ``deadline`` (``time.perf_counter()``); a stall or a broken read raises
    :class:`StreamBroken` saying which."""
    remaining = deadline - time.perf_counter()
    wait = min(idle, max(remaining, 0.0))
    try:
        return await read_within(content, wait)
    except TimeoutError:
        what = "total" if remaining <= idle else "idle"
        raise StreamBroken(f"upstream stream exceeded the {what} timeout") from None
    except UPSTREAM_READ_ERRORS as exc:
        raise StreamBroken(f"upstream stream broke: {describe(exc)}") from None


async def relay_json(
    ex: Exchange, api: ApiFormat, body: dict[str, Any], opened: Opened, call: Call, *, store: bool
) -> None:
    """A non-streaming answer (or an upstream 4xx) in the client's API."""
    fmt = opened.backend.format
    status = opened.status
    call.status = status
    if status >= 300 and fmt is not api:
        error = upstream_client_error(status, opened.first)
        call.error = error.message
        raise error
    if status >= 300:
        call.error = f"upstream HTTP {status}"
        data = opened.first
    else:  # its usage parsed later, off the path: the upstream's work is billed either way
        call.answer_fn = partial(answer_measures, fmt, opened.first)
        try:
            model = call.model_requested or call.model
            data = client_body(api, fmt, opened.first, model, body)
        except (ValueError, KeyError, TypeError) as exc:
            raise answer_error(opened.target.backend, exc) from exc
    if store:
        call.response_body = data.decode("utf-8", errors="replace")
    try:
        await ex.respond(status, data, call.info_headers())
    except ConnectionResetError:  # the client went away while the upstream answered
        call.status = 499
        call.error = "client closed the connection before the answer"
    call.end()


async def relay_stream(
    ex: Exchange,
    api: ApiFormat,
    body: dict[str, Any],
    opened: Opened,
    call: Call,
    *,
    store: bool = False,
) -> None:
    """Pump an upstream stream to the client, translating when the formats differ."""
    fmt = opened.backend.format
    model = call.model_requested or call.model
    pump = stream_pump(api, fmt, model, request=body)
    if store:
        pump.sent = []
    pumped = False
    try:
        await ex.start_stream(call.info_headers())
        pumped = True  # the pump has the upstream's first chunk from here on
        await _pump(ex, pump, opened, call)
    except ConnectionResetError:  # the client went away: nothing left to tell it
        call.status = 499
        call.error = "client closed the connection mid-stream"
    finally:
        if opened.response is not None:
            opened.response.release()
        call.end()
        # The usage seen so far; a client gone before its first byte still leaves the
        # upstream's first chunk (Anthropic's message_start: the prompt's tokens).
        call.usage_fn = pump.usage if pumped else partial(fmt.stream_usage, opened.first)
        if pump.sent is not None:
            call.response_body = b"".join(pump.sent).decode("utf-8", errors="replace")


async def _write(ex: Exchange, pump: Pump, data: bytes) -> None:
    if pump.sent is not None:
        pump.sent.append(data)
    await ex.write(data)


async def _end(ex: Exchange, pump: Pump, data: bytes) -> None:
    """The stream's last bytes and its end, in one write."""
    if pump.sent is not None:
        pump.sent.append(data)
    await ex.finish(data)


async def _pump(ex: Exchange, pump: Pump, opened: Opened, call: Call) -> None:
    timeouts = opened.backend.config.timeouts
    deadline = opened.started + timeouts.total
    assert opened.response is not None, "a stream keeps its upstream response"
    content = opened.response.content
    data = opened.first
    before = last = held = b""  # the upstream's last two chunks: an error it ended with is there
    while data:
        out = pump.transform(data)
        before, last = last, data
        if content.at_eof():  # the upstream's last bytes: they go out with the stream's end
            held = out
            break
        if out:
            await _write(ex, pump, out)  # a client that went away raises here (499)
        try:
            data = await next_chunk(content, deadline, timeouts.idle)
        except StreamBroken as exc:
            await _fail(ex, pump, call, str(exc))
            return
    if not pump.complete and upstream_error(before + last) is None and pump.failure is None:
        if held:
            await _write(ex, pump, held)
        await _fail(ex, pump, call, "upstream stream ended before the message was complete")
        return
    tail = pump.finish() if pump.complete else b""  # else: the client has the upstream's error
    await _end(ex, pump, held + tail)
    # after the client's last byte, not before it
    error = upstream_error(before + last) or pump.failure
    if error is not None:
        call.status = 502
        call.error = f"upstream error mid-stream: {error}"


def upstream_error(tail: bytes) -> str | None:
    """The error an upstream ended its stream with, from its last bytes: Anthropic's
    ``event: error`` or OpenAI's ``data: {"error": ...}``; ``None`` when it ended without.
    (A text delta that says "error" has no top-level ``error`` object and never matches.)"""
    if b'"error"' not in tail:
        return None
    for event in reversed(SSEDecoder().feed(tail + b"\n\n")):
        try:
            data = json.loads(event.data)
        except ValueError:
            continue
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            parts = (error.get("type"), error.get("message"))
            return ": ".join(str(p) for p in parts if p) or "error"
    return None


async def _fail(ex: Exchange, pump: Pump, call: Call, message: str) -> None:
    call.status = 502
    call.error = message
    await _write(ex, pump, pump.fail(f"{call.backend}: {message}"))
    await ex.finish()
