"""``web_search`` (a pluggable search provider) and the size-limited GET that it and
``fetch_page`` (``context.pages``) use.

Providers are a registry (:data:`PROVIDERS`): ``searxng:URL`` (a self-hosted SearXNG with its
JSON format enabled) and ``brave`` (the Brave Search API; key in ``$BRAVE_API_KEY``). The
choice is a flag or ``$FULCRUM_SEARCH``; with none configured a search fails with a
:class:`ConfigError` that says how to configure one. Every request has a timeout and is retried
(connection errors, 429 and 5xx; twice, with backoff); results are capped, and their titles and
snippets cut; bodies are read up to a byte limit. An answer of another shape (not a JSON object,
results that are not a list) is an :class:`UpstreamError` naming the problem, not no results.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import aiohttp

from fulcrum.errors import ConfigError, InputError, UpstreamError, UpstreamTimeout
from fulcrum.urls import is_http_url

MAX_RESULTS = 20
RETRIES = 2
TIMEOUT_S = 15.0
MAX_PAGE_BYTES = 2_000_000
TITLE_CHARS = 200  # a provider's title and snippet are cut to these (a model's context is small)
SNIPPET_CHARS = 600


@dataclass(frozen=True)
class WebResult:
    title: str
    url: str
    snippet: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Fetched:
    status: int
    content_type: str
    body: bytes
    truncated: bool
    location: str = ""  # a redirect's target, when redirects are not followed


async def read_capped(stream: aiohttp.StreamReader, max_bytes: int) -> bytes:
    """Up to ``max_bytes + 1`` bytes of a body (one ``read(n)`` returns what one packet
    brought, not ``n`` bytes)."""
    parts: list[bytes] = []
    size = 0
    while size <= max_bytes:
        part = await stream.read(max_bytes + 1 - size)
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


async def http_get(
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout_s: float = TIMEOUT_S,
    max_bytes: int = MAX_PAGE_BYTES,
    follow_redirects: bool = True,
    connector: Callable[[], aiohttp.BaseConnector | None] = lambda: None,
) -> Fetched:
    """GET with a total timeout, retries with backoff, and a cap on the bytes read
    (``connector`` makes each attempt's connector: one that checks addresses, say)."""
    last: Exception | None = None
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    for attempt in range(RETRIES + 1):
        if attempt:
            await asyncio.sleep(0.25 * 2**attempt)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout, connector=connector()) as session,
                session.get(
                    url, params=params, headers=headers, allow_redirects=follow_redirects
                ) as response,
            ):
                if response.status == 429 or response.status >= 500:
                    last = UpstreamError(f"{url}: HTTP {response.status}")
                    continue
                body = await read_capped(response.content, max_bytes)
                kind, location = (
                    response.headers.get("content-type", ""),
                    response.headers.get("location", ""),
                )
                truncated = len(body) > max_bytes
                return Fetched(response.status, kind, body[:max_bytes], truncated, location)
        except TimeoutError:
            last = UpstreamTimeout(f"{url}: no answer within {timeout_s:g} s")
        except aiohttp.ClientError as exc:
            last = UpstreamError(f"{url}: {exc}")
    assert last is not None
    raise last


class SearchProvider(Protocol):
    name: str

    async def search(self, query: str, limit: int) -> list[WebResult]: ...


FIELD = "--search"  # also $FULCRUM_SEARCH


class SearXNG:
    def __init__(self, base_url: str) -> None:
        if not is_http_url(base_url):
            raise ConfigError("searxng needs its URL: searxng:http://HOST:PORT", field=FIELD)
        self.base_url, self.name = base_url.rstrip("/"), "searxng"

    async def search(self, query: str, limit: int) -> list[WebResult]:
        got = await http_get(self.base_url + "/search", params={"q": query, "format": "json"})
        return results(_json(got, self.name).get("results"), "content", limit, self.name)


class Brave:
    URL = "https://api.search.brave.com/res/v1/web/search"

    def __init__(self, options: str) -> None:
        self.key = os.environ.get(options or "BRAVE_API_KEY", "")
        if not self.key:
            raise ConfigError(f"brave needs its API key in ${options or 'BRAVE_API_KEY'}")
        self.name = "brave"

    async def search(self, query: str, limit: int) -> list[WebResult]:
        headers = {"accept": "application/json", "x-subscription-token": self.key}
        params = {"q": query, "count": str(limit)}
        data = _json(await http_get(self.URL, params=params, headers=headers), self.name)
        if "web" not in data:  # no web results for this query
            return []
        web = data["web"]
        found = web.get("results") if isinstance(web, dict) else None
        return results(found, "description", limit, self.name)


def results(found: Any, text_key: str, limit: int, provider: str = "search") -> list[WebResult]:
    """A provider's result list as :class:`WebResult` (title, url and ``text_key``); a field
    that is missing, null or not text is empty, an entry that is not an object skipped. A list
    that is not one (an upstream of another shape) is an :class:`UpstreamError`, not no results."""
    if not isinstance(found, list):
        raise UpstreamError(f"{provider}: the answer's results are not a list ({_shape(found)})")
    entries = [r for r in found if isinstance(r, dict)]
    return [
        WebResult(
            *(v if isinstance(v, str) else "" for v in map(r.get, ("title", "url", text_key)))
        )
        for r in entries[:limit]
    ]


def _shape(value: Any) -> str:
    names = {type(None): "none", dict: "an object", list: "a list", str: "text"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def _json(got: Fetched, provider: str) -> dict[str, Any]:
    import json  # noqa: PLC0415 - only the providers parse JSON

    if got.status != 200:
        raise UpstreamError(f"{provider}: HTTP {got.status}")
    try:
        data = json.loads(got.body)
    except ValueError as exc:
        raise UpstreamError(
            f"{provider}: the answer is not JSON (is its JSON format enabled?)"
        ) from exc
    if not isinstance(data, dict):
        raise UpstreamError(f"{provider}: the answer is not a JSON object ({_shape(data)})")
    return data


PROVIDERS: dict[str, Callable[[str], SearchProvider]] = {"searxng": SearXNG, "brave": Brave}
NO_PROVIDER = (
    "no search provider is configured; start the server with "
    "--search searxng:http://HOST:PORT (a SearXNG with format json enabled) or --search brave "
    "(key in $BRAVE_API_KEY), or set FULCRUM_SEARCH"
)


def make_provider(spec: str | None) -> SearchProvider | None:
    if not spec:
        return None
    name, _, options = spec.partition(":")
    factory = PROVIDERS.get(name)
    if factory is None:
        accepted = ", ".join(sorted(PROVIDERS))
        raise ConfigError(f"unknown search provider {name!r}; accepted: {accepted}", field=FIELD)
    return factory(options)


async def web_search(provider: SearchProvider | None, query: str, limit: int) -> list[WebResult]:
    if provider is None:
        raise ConfigError(NO_PROVIDER, field=FIELD)
    if not query.strip():
        raise InputError("query: must not be empty", param="query")
    found = (await provider.search(query, min(limit, MAX_RESULTS)))[:limit]
    return [
        WebResult(_clip(r.title, TITLE_CHARS), r.url, _clip(r.snippet, SNIPPET_CHARS))
        for r in found
    ]


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
