"""Replaying a file of events through a gateway's wake-filter.

An events file is JSON lines, one event each: ``{"event": TEXT, "label": EXPECTED?}`` plus
any of the endpoint's own keys (``labels``, ``instructions``, ``metadata``); blank lines and
lines starting with ``#`` are skipped. Events are sent to ``URL/v1/wake[/NAME]`` with at most
``concurrency`` in flight; each result keeps the gateway's answer or the error it gave.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from fulcrum.errors import InputError, Unavailable
from fulcrum.textfiles import read_text
from fulcrum.wake.request import KEYS

EVENT_KEYS = (*KEYS, "label")


@dataclass(frozen=True, slots=True)
class Event:
    line: int
    body: dict[str, Any]  # what is sent (the event's keys but ``label``)
    label: str | None  # the expected label, when the event carries one


@dataclass(frozen=True, slots=True)
class Result:
    event: Event
    answer: dict[str, Any] | None  # the gateway's decision
    error: str | None  # why there is none
    seconds: float  # the round trip seen by the client
    unreachable: bool = False  # no connection to the gateway


def read_events(path: Path) -> list[Event]:
    """Every event of ``path``; a bad line is one ``InputError`` naming the file and line."""
    lines = read_text(path).splitlines()
    events = [e for n, text in enumerate(lines, 1) if (e := _event(path, n, text)) is not None]
    if not events:
        raise InputError(f"{path}: no events (one JSON object a line, with an `event` key)")
    return events


def _event(path: Path, n: int, text: str) -> Event | None:
    text = text.strip()
    if not text or text.startswith("#"):
        return None
    where = f"{path}:{n}"
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{where}: not a JSON object ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
    for key in data:
        if key not in EVENT_KEYS:
            raise InputError(f"{where}: {key}: unknown key; accepted: {', '.join(EVENT_KEYS)}")
    event, label = data.get("event"), data.get("label")
    if not isinstance(event, str) or not event.strip():
        raise InputError(f"{where}: event: expected a non-empty string")
    if label is not None and not isinstance(label, str):
        raise InputError(f"{where}: label: expected a string, got {type(label).__name__}")
    body = {k: v for k, v in data.items() if k != "label"}
    return Event(n, body, label)


def endpoint(url: str, name: str | None) -> str:
    base = url.rstrip("/").removesuffix("/v1")
    return f"{base}/v1/wake" + (f"/{name}" if name else "")


async def send_all(
    url: str,
    events: list[Event],
    *,
    concurrency: int = 4,
    done: Callable[[Result], None] | None = None,
    timeout_s: float = 120.0,
    headers: dict[str, str] | None = None,
) -> list[Result]:
    """Every event's result, in the file's order; ``done`` is told of each as it comes.

    The first event goes alone: a gateway that cannot be reached is one ``Unavailable``
    before anything else is sent; later failures are each event's own error."""
    gate = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:

        async def one(event: Event) -> Result:
            async with gate:
                result = await _send(session, url, event)
            if done is not None:
                done(result)
            return result

        first = await _send(session, url, events[0])
        if first.unreachable:
            raise Unavailable(f"cannot reach the gateway at {url} ({first.error})")
        if done is not None:
            done(first)
        return [first, *await asyncio.gather(*(one(e) for e in events[1:]))]


async def _send(session: aiohttp.ClientSession, url: str, event: Event) -> Result:
    start = time.perf_counter()
    try:
        async with session.post(url, json=event.body) as resp:
            data = await resp.json(content_type=None)
    except aiohttp.ClientConnectorError as exc:
        seconds = time.perf_counter() - start
        return Result(event, None, str(exc.os_error), seconds, unreachable=True)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return Result(event, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - start)
    seconds = time.perf_counter() - start
    if resp.status != 200 or not isinstance(data, dict) or "wake" not in data:
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        return Result(event, None, f"HTTP {resp.status}: {message or data}", seconds)
    return Result(event, data, None, seconds)
