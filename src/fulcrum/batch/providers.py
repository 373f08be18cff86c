"""The providers' own batch APIs, as a client: one :class:`ProviderBatchApi` per wire format.

A batch item whose model no local backend serves goes to an api backend named in
``[batch] forward``; that backend's format picks the provider batch API from
:data:`PROVIDER_BATCHES` (Anthropic Message Batches for ``format = "anthropic"``, the OpenAI
Batch API for ``format = "openai"``). Adding a provider's batch API is one more entry, never
a branch on a name.

Both calls are made by the batch worker, off every request path: :meth:`~ProviderBatchApi.submit`
sends one provider batch (``custom_id`` is the gateway's item id) and returns its id;
:meth:`~ProviderBatchApi.results` asks once whether it has ended and, when it has, returns every
request's :class:`Outcome`. A provider that refuses or fails raises a :class:`FulcrumError`
with the provider's status (a 4xx as the client error it is, anything else an upstream error).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import aiohttp

from fulcrum.errors import FulcrumError, RateLimited, UpstreamError
from fulcrum.gateway.answer.translate import upstream_client_error
from fulcrum.wire.maps import error_message

if TYPE_CHECKING:
    from fulcrum.gateway.upstream.backends import Backend

Line = tuple[str, dict[str, Any]]  # (custom_id, the request body in the provider's format)
OUTCOME_KINDS = ("succeeded", "errored", "canceled", "expired")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One request of an ended provider batch."""

    custom_id: str
    kind: str  # one of OUTCOME_KINDS
    status: int | None  # the request's HTTP status (None: it never ran)
    body: bytes  # the answer, or the provider's error body; b"" when it never ran


class ProviderBatchApi:
    format_name: ClassVar[str]  # the wire format (``FORMATS``) whose backends this serves

    async def submit(self, backend: Backend, lines: list[Line]) -> str:
        """Send one provider batch; its id."""
        raise NotImplementedError

    async def results(self, backend: Backend, batch_id: str) -> list[Outcome] | None:
        """Every request's outcome once the batch has ended; None while it runs."""
        raise NotImplementedError


async def call(
    backend: Backend,
    method: str,
    path: str,
    *,
    body: Mapping[str, Any] | None = None,
    form: aiohttp.FormData | None = None,
    url: str | None = None,
) -> bytes:
    """One request to the backend's provider (its key, its format's headers); the body."""
    session = backend.session
    if session is None:
        raise UpstreamError(f"{backend.name} is not open")
    headers = backend.headers({})
    data: Any = None
    if form is not None:
        headers.pop("content-type", None)  # aiohttp writes the multipart boundary
        data = form
    elif body is not None:
        data = json.dumps(body).encode()
    timeout = aiohttp.ClientTimeout(total=backend.config.timeouts.total)
    target = url or backend.config.base_url + path
    try:
        async with session.request(method, target, data=data, headers=headers,
                                   timeout=timeout) as resp:  # fmt: skip
            raw = await resp.read()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UpstreamError(f"{backend.name}: {method} {path} failed ({exc!r})") from None
    if status >= 400:
        raise refused(backend, status, raw)
    return raw


def refused(backend: Backend, status: int, raw: bytes) -> FulcrumError:
    """A refusal as the error it is: a 4xx for the client; 429 and 5xx to try again later."""
    message = f"{backend.name}: the provider's batch API answered HTTP {status}"
    if status == 429:
        return RateLimited(f"{message}: {error_message(raw)}")
    if 400 <= status < 500:
        return upstream_client_error(status, raw)
    return UpstreamError(message)


def json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise UpstreamError(f"the provider's {what} is not a JSON object")
    return value
