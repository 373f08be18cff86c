"""Backends: the configured endpoints, separate from the API formats they speak.

A :class:`Backend` is one configured endpoint (base URL, key, models) with its own keep-alive
HTTP session and circuit breaker; its format (paths, auth headers, conversions) is an
:class:`~fulcrum.gateway.upstream.formats.ApiFormat`
from the registry, looked up once when it is built.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
from yarl import URL

from fulcrum.gateway.config import BackendConfig
from fulcrum.gateway.upstream.breaker import CircuitBreaker
from fulcrum.gateway.upstream.fastpath import PlainPool
from fulcrum.gateway.upstream.formats import FORMATS, ApiFormat

if TYPE_CHECKING:
    from fulcrum.gateway.upstream.pool import Pool


@dataclass(slots=True)
class Backend:
    """One configured upstream at run time."""

    config: BackendConfig
    format: ApiFormat
    breaker: CircuitBreaker
    session: aiohttp.ClientSession | None = None
    chat_target: URL | None = None  # parsed once: aiohttp skips re-parsing a URL object
    fast: PlainPool | None = None  # calls (JSON and streams) to a plain-http upstream
    pool: Pool | None = None  # the replicas of a pooled backend

    @classmethod
    def build(cls, config: BackendConfig) -> Backend:
        backend = cls(
            config=config, format=FORMATS[config.format], breaker=CircuitBreaker(config.breaker)
        )
        if config.pool is not None:
            from fulcrum.gateway.upstream.pool import Pool  # noqa: PLC0415 - pool builds Backends

            backend.pool = Pool(config, cls.build)
        return backend

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def chat_url(self) -> str:
        return self.config.base_url + self.format.chat_path

    @property
    def count_tokens_url(self) -> str | None:
        path = self.format.count_tokens_path
        if path is None or not self.config.count_tokens:
            return None
        return self.config.base_url + path

    def headers(self, client: Mapping[str, str]) -> dict[str, str]:
        return self.format.headers(self.config.api_key, client)

    def open(self) -> None:
        """Create the keep-alive session (inside the running event loop)."""
        t = self.config.timeouts
        connector = aiohttp.TCPConnector(limit=256, keepalive_timeout=30, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=t.connect, connect=t.connect),
            skip_auto_headers=("User-Agent",),
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        base = URL(self.config.base_url)
        if base.scheme == "http":
            self.fast = PlainPool(base)
        if self.pool is not None:
            self.pool.open()  # the replicas' connections and the probe task

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
        if self.fast is not None:
            self.fast.close()
            self.fast = None
        if self.session is not None:
            await self.session.close()
            self.session = None


class Backends:
    """The registry of configured backends by name."""

    def __init__(self, configs: Mapping[str, BackendConfig]) -> None:
        self.by_name: dict[str, Backend] = {n: Backend.build(c) for n, c in configs.items()}

    def __getitem__(self, name: str) -> Backend:
        return self.by_name[name]

    def __iter__(self) -> Iterator[Backend]:
        return iter(self.by_name.values())

    def open(self) -> None:
        for backend in self.by_name.values():
            backend.open()

    async def close(self) -> None:
        for backend in self.by_name.values():
            await backend.close()
