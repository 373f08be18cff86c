"""Sending a request up the route chain, failing over before the first byte.

Connect errors, timeouts, 5xx and 429 are retried on the same backend with jittered
back-off (``retry-after`` honoured up to a cap), then the next backend in the chain is
tried. Nothing has reached the client yet, so any of these is invisible to it. A 4xx
other than 429 is the client's problem and is returned as is. When the whole chain fails
the client gets one clear error naming what each backend did.

A pooled backend (several servers of one model) is one step of the chain: the pool picks a
replica per try and a failed replica fails over to the next one of the pool before the
chain moves on (:mod:`fulcrum.gateway.upstream.poolstep`). A pool with every replica at its
cap spills to the next step, or refuses with a 529 (``on_full = "refuse"``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence

from yarl import URL

from fulcrum.errors import (
    BackendKeyRefused,
    FulcrumError,
    Overloaded,
    RateLimited,
    UpstreamError,
    UpstreamTimeout,
)
from fulcrum.gateway.upstream.attempts import AttemptLog
from fulcrum.gateway.upstream.backends import Backend
from fulcrum.gateway.upstream.breaker import backoff_delay
from fulcrum.gateway.upstream.poolstep import open_pooled
from fulcrum.gateway.upstream.tries import Opened, Retry, attempt
from fulcrum.gateway.upstream.walk import BodyBuilder, Walk
from fulcrum.ledger.attempts import Attempt
from fulcrum.routing.router import RouteTarget

__all__ = ["BodyBuilder", "Opened", "Walk", "chain_error", "key_hint", "open_chain"]


async def open_chain(
    chain: Sequence[tuple[Backend, RouteTarget]],
    build: BodyBuilder,
    client_headers: Mapping[str, str],
    *,
    stream: bool,
    url: Callable[[Backend], str | URL] | None = None,
    log: AttemptLog | None = None,
    session: str | None = None,
) -> Opened:
    """Try every (backend, model) in order until one answers; raise one clear error if none.

    Every try, failed or answering, is added to ``log`` (the request's), raised or not.
    ``session`` (else the session headers, read only for a pool) keeps a session on its
    replica of a pool."""
    log = log if log is not None else AttemptLog()
    walk = Walk(build, client_headers, stream, url, log, session)
    first = len(log.items)
    started = time.perf_counter()
    for backend, target in chain:
        if backend.pool is not None:
            opened = await open_pooled(walk, backend, target)
        else:
            opened = await _open_backend(walk, backend, target)
        if opened is not None:
            opened.started = started
            opened.attempts = walk.attempts
            return opened
    log.exhausted = True
    raise chain_error(log.failures(first), walk)


async def _open_backend(walk: Walk, backend: Backend, target: RouteTarget) -> Opened | None:
    """Tries of one plain backend (its retry policy, its breaker); None: move on."""
    if not backend.breaker.allow():
        walk.log.add(target, None, "circuit open", time.perf_counter())
        return None
    body = walk.build(backend, target)
    endpoint = walk.endpoint(backend)
    attempts_max = backend.config.retry.attempts
    for number in range(1, attempts_max + 1):
        walk.attempts += 1
        tried = time.perf_counter()
        try:
            opened = await attempt(
                backend, target, endpoint, body, walk.client_headers, stream=walk.stream
            )
        except Retry as exc:
            walk.last = exc
            walk.log.add(target, exc.status, f"{exc.reason}{key_hint(backend, exc)}", tried)
            if not exc.rate_limited:
                backend.breaker.failure()
            delay = backoff_delay(backend.config.retry, number, exc.retry_after)
            if delay is None or number == attempts_max or backend.breaker.is_open:
                return None
            if exc.key_refused:  # the same key will be refused again
                return None
            await asyncio.sleep(delay)
            continue
        backend.breaker.success()
        walk.log.add(target, opened.status, None, tried)
        return opened
    return None


def chain_error(failures: list[Attempt], walk: Walk) -> FulcrumError:
    detail = "; ".join(f"{a.backend}: {a.reason}" for a in failures) or "no backend in the route"
    message = f"no upstream could answer ({detail})"
    last = walk.last
    if last is None and walk.overloaded is not None:
        return Overloaded(message)
    if last is not None and last.rate_limited:
        return RateLimited(message, retry_after=last.retry_after)
    if last is not None and last.timeout:
        return UpstreamTimeout(message)
    if last is not None and last.key_refused:
        return BackendKeyRefused(message)
    return UpstreamError(message)


def key_hint(backend: Backend, exc: Retry) -> str:
    if not exc.key_refused:
        return ""
    source = backend.config.key_source
    return f" - fix {source} where fulcrum runs" if source else " - it has no key configured"
