"""One try of one upstream: the request sent, the answer's status classified.

A try either returns an :class:`Opened` answer (a success, or a 4xx that is the client's
own error) or raises :class:`Retry` saying why it failed and whether that is worth another
try (connect errors, timeouts, 5xx, 429 with its ``retry-after``, a refused gateway key).
The chain (:mod:`fulcrum.gateway.upstream.chain`) decides what to try next.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from yarl import URL

from fulcrum.gateway.upstream.backends import Backend
from fulcrum.gateway.upstream.breaker import parse_retry_after
from fulcrum.gateway.upstream.describe import describe
from fulcrum.gateway.upstream.faststream import Streamed
from fulcrum.routing.router import RouteTarget

RETRYABLE_EXC = (aiohttp.ClientError, TimeoutError, OSError)


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


class Retry(Exception):
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


def retry_for(status: int, retry_after: str | None) -> Retry | None:
    """A 429 (with its ``retry-after``) or a 5xx is retried; anything else is the answer.

    A 401/403 refuses the gateway's own key (the client's is never sent): the next backend
    is tried, and the client is told which backend's key to fix (``chain.chain_error``).
    """
    if status in (401, 403):
        return Retry(f"HTTP {status} (gateway key refused)", key_refused=True)
    if status == 429:
        return Retry("HTTP 429", parse_retry_after(retry_after), rate_limited=True)
    if status >= 500:
        return Retry(f"HTTP {status}")
    return None


async def attempt(
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
            retry = retry_for(status, resp.headers.get("retry-after"))
            if retry is not None:
                retry.status = status
                resp.release()
                raise retry
            first = await (resp.content.readany() if stream and status < 300 else resp.read())
            if stream and status < 300 and not first:
                _drop(resp)
                raise Retry("stream closed before the first byte")
    except TimeoutError as exc:
        _drop(resp)
        what = "first byte" if stream else "response"
        raise Retry(f"no {what} within the timeout", timeout=True) from exc
    except (aiohttp.ClientConnectorError, ConnectionRefusedError) as exc:
        _drop(resp)
        os_error = exc.os_error if isinstance(exc, aiohttp.ClientConnectorError) else exc
        raise Retry(f"cannot connect ({os_error.strerror or exc})") from exc
    except RETRYABLE_EXC as exc:
        _drop(resp)
        raise Retry(describe(exc)) from exc
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
        answer = await backend.fast.post(
            URL(url), backend.headers(client_headers), body, timeout=backend.config.timeouts.total
        )
    except TimeoutError as exc:
        raise Retry("no response within the timeout", timeout=True) from exc
    except ConnectionRefusedError as exc:
        raise Retry(f"cannot connect ({exc.strerror or exc})") from exc
    except OSError as exc:
        raise Retry(describe(exc)) from exc
    retry = retry_for(answer.status, answer.headers.get("retry-after"))
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
