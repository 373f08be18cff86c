"""Sending a request up the route chain, failing over before the first byte.

Connect errors, timeouts, 5xx and 429 are retried on the same backend with jittered
back-off (``retry-after`` honoured up to a cap), then the next backend in the chain is
tried. Nothing has reached the client yet, so any of these is invisible to it. A 4xx
other than 429 is the client's problem and is returned as is. When the whole chain fails
the client gets one clear error naming what each backend did.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import aiohttp
from yarl import URL

from fulcrum.errors import (
    BackendKeyRefused,
    FulcrumError,
    RateLimited,
    UpstreamError,
    UpstreamTimeout,
)
from fulcrum.gateway.upstream.attempts import AttemptLog
from fulcrum.gateway.upstream.backends import Backend
from fulcrum.gateway.upstream.breaker import backoff_delay, parse_retry_after
from fulcrum.gateway.upstream.describe import describe
from fulcrum.gateway.upstream.faststream import Streamed
from fulcrum.ledger.attempts import Attempt
from fulcrum.routing.router import RouteTarget

RETRYABLE_EXC = (aiohttp.ClientError, TimeoutError, OSError)
BodyBuilder = Callable[[Backend, RouteTarget], bytes]


@dataclass(slots=True)
class Opened:
    """A successful (or client-error) upstream answer, not yet sent to the client.

    ``first`` is the whole body for a non-streaming call, the first chunk for a stream.
    """

    backend: Backend
    target: RouteTarget
    status: int
    response: aiohttp.ClientResponse | Streamed | None  # None: a whole fast-path answer
    first: bytes
    started: float
    first_byte_at: float
    attempts: int  # tries made by this chain, the answering one included

    @property
    def ok(self) -> bool:
        return self.status < 300


class _Retry(Exception):
    def __init__(
        self,
        reason: str,
        retry_after: float | None = None,
        *,
        timeout: bool = False,
        rate_limited: bool = False,
        key_refused: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.timeout = timeout
        self.rate_limited = rate_limited
        self.key_refused = key_refused
        self.status: int | None = None  # the upstream's HTTP status, when one came


def _retry_for(status: int, retry_after: str | None) -> _Retry | None:
    """A 429 (with its ``retry-after``) or a 5xx is retried; anything else is the answer.

    A 401/403 refuses the gateway's own key (the client's is never sent): the next backend
    is tried, and the client is told which backend's key to fix (:func:`_chain_error`).
    """
    if status in (401, 403):
        return _Retry(f"HTTP {status} (gateway key refused)", key_refused=True)
    if status == 429:
        return _Retry("HTTP 429", parse_retry_after(retry_after), rate_limited=True)
    if status >= 500:
        return _Retry(f"HTTP {status}")
    return None


async def open_chain(
    chain: Sequence[tuple[Backend, RouteTarget]],
    build: BodyBuilder,
    client_headers: Mapping[str, str],
    *,
    stream: bool,
    url: Callable[[Backend], str | URL] | None = None,
    log: AttemptLog | None = None,
) -> Opened:
    """Try every (backend, model) in order until one answers; raise one clear error if none.

    Every try, failed or answering, is added to ``log`` (the request's), raised or not."""
    log = log if log is not None else AttemptLog()
    first = len(log.items)
    last: _Retry | None = None
    started = time.perf_counter()
    attempts = 0
    for backend, target in chain:
        if not backend.breaker.allow():
            log.add(target, None, "circuit open", time.perf_counter())
            continue
        body = build(backend, target)
        endpoint = url(backend) if url is not None else backend.chat_target or backend.chat_url
        attempts_max = backend.config.retry.attempts
        for attempt in range(1, attempts_max + 1):
            attempts += 1
            tried = time.perf_counter()
            try:
                opened = await _attempt(
                    backend, target, endpoint, body, client_headers, stream=stream
                )
            except _Retry as exc:
                last = exc
                log.add(target, exc.status, f"{exc.reason}{_key_hint(backend, exc)}", tried)
                if not exc.rate_limited:
                    backend.breaker.failure()
                delay = backoff_delay(backend.config.retry, attempt, exc.retry_after)
                if delay is None or attempt == attempts_max or backend.breaker.is_open:
                    break
                if exc.key_refused:  # the same key will be refused again
                    break
                await asyncio.sleep(delay)
                continue
            backend.breaker.success()
            log.add(target, opened.status, None, tried)
            opened.started = started
            opened.attempts = attempts
            return opened
    raise _chain_error(log.failures(first), last)


def _chain_error(failures: list[Attempt], last: _Retry | None) -> FulcrumError:
    detail = "; ".join(f"{a.backend}: {a.reason}" for a in failures) or "no backend in the route"
    message = f"no upstream could answer ({detail})"
    if last is not None and last.rate_limited:
        return RateLimited(message, retry_after=last.retry_after)
    if last is not None and last.timeout:
        return UpstreamTimeout(message)
    if last is not None and last.key_refused:
        return BackendKeyRefused(message)
    return UpstreamError(message)


def _key_hint(backend: Backend, exc: _Retry) -> str:
    if not exc.key_refused:
        return ""
    source = backend.config.key_source
    return f" - fix {source} where fulcrum runs" if source else " - it has no key configured"


async def _attempt(
    backend: Backend,
    target: RouteTarget,
    url: str | URL,
    body: bytes,
    client_headers: Mapping[str, str],
    *,
    stream: bool,
) -> Opened:
    if not stream and backend.fast is not None:
        return await _attempt_fast(backend, target, url, body, client_headers)
    t = backend.config.timeouts
    resp: aiohttp.ClientResponse | Streamed | None = None
    try:
        async with asyncio.timeout(t.first_byte if stream else t.total):
            resp = await _post(backend, url, body, backend.headers(client_headers))
            status = resp.status
            retry = _retry_for(status, resp.headers.get("retry-after"))
            if retry is not None:
                retry.status = status
                resp.release()
                raise retry
            first = await (resp.content.readany() if stream and status < 300 else resp.read())
            if stream and status < 300 and not first:
                _drop(resp)
                raise _Retry("stream closed before the first byte")
    except TimeoutError as exc:
        _drop(resp)
        what = "first byte" if stream else "response"
        raise _Retry(f"no {what} within the timeout", timeout=True) from exc
    except (aiohttp.ClientConnectorError, ConnectionRefusedError) as exc:
        _drop(resp)
        os_error = exc.os_error if isinstance(exc, aiohttp.ClientConnectorError) else exc
        raise _Retry(f"cannot connect ({os_error.strerror or exc})") from exc
    except RETRYABLE_EXC as exc:
        _drop(resp)
        raise _Retry(describe(exc)) from exc
    now = time.perf_counter()
    return Opened(backend, target, resp.status, resp, first, now, now, 1)


async def _attempt_fast(
    backend: Backend,
    target: RouteTarget,
    url: str | URL,
    body: bytes,
    client_headers: Mapping[str, str],
) -> Opened:
    """A non-streaming call on the plain-HTTP fast path; the same retry rules."""
    assert backend.fast is not None
    try:
        async with asyncio.timeout(backend.config.timeouts.total):
            answer = await backend.fast.post(URL(url), backend.headers(client_headers), body)
    except TimeoutError as exc:
        raise _Retry("no response within the timeout", timeout=True) from exc
    except ConnectionRefusedError as exc:
        raise _Retry(f"cannot connect ({exc.strerror or exc})") from exc
    except OSError as exc:
        raise _Retry(describe(exc)) from exc
    retry = _retry_for(answer.status, answer.headers.get("retry-after"))
    if retry is not None:
        retry.status = answer.status
        raise retry
    now = time.perf_counter()
    return Opened(backend, target, answer.status, None, answer.body, now, now, 1)


async def _post(
    backend: Backend, url: str | URL, body: bytes, headers: Mapping[str, str]
) -> aiohttp.ClientResponse | Streamed:
    """A stream to a plain-HTTP upstream goes on the fast path, anything else on aiohttp."""
    if backend.fast is not None:
        return await backend.fast.post_stream(URL(url), headers, body)
    assert backend.session is not None, "backend session not opened"
    return await backend.session.post(url, data=body, headers=headers)


def _drop(resp: aiohttp.ClientResponse | Streamed | None) -> None:
    if resp is not None:
        resp.close()
