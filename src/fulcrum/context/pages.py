"""``fetch_page``: one web page as text, size- and time-limited, public addresses only.

The URL must be http(s). Unless the server allows private addresses (``fulcrum mcp
--fetch-private`` or ``FULCRUM_FETCH_PRIVATE=1``), a host that is or resolves to a loopback,
private, link-local (cloud metadata) or otherwise non-global address is refused (an IPv6
address that carries an IPv4 one, ``::ffff:127.0.0.1``, 6to4, NAT64, Teredo, is refused when
that IPv4 address is), at every redirect (followed by hand, at most :data:`MAX_REDIRECTS`) and
again when the connection is made (the resolver drops such addresses, so a name cannot change
its answer in between). The body is
read up to :data:`web.MAX_PAGE_BYTES` within :data:`DEADLINE_S`, decoded with the charset the
header declares (else the page's ``<meta charset>``, a BOM, UTF-8) and HTML is reduced to its
visible text.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import re
import socket
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from fulcrum.context import web
from fulcrum.context.textchunks import html_text
from fulcrum.errors import InputError, UpstreamError, UpstreamTimeout

MAX_REDIRECTS = 5
DEADLINE_S = 30.0
REDIRECTS = frozenset({301, 302, 303, 307, 308})
BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip",
                "application/octet-stream", "application/gzip")  # fmt: skip
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
PRIVATE_HINT = "start the server with --fetch-private (FULCRUM_FETCH_PRIVATE=1) to allow it"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# IPv6 prefixes whose last 32 bits are an IPv4 address: NAT64's well-known and local-use
# prefixes, and the deprecated IPv4-compatible ``::a.b.c.d``
EMBEDS_IPV4 = tuple(map(ipaddress.IPv6Network, ("64:ff9b::/96", "64:ff9b:1::/48", "::/96")))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: IPv4-mapped, 6to4, Teredo (its server and
    client), NAT64 and IPv4-compatible; none for an address that carries none."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if any(ip in prefix for prefix in EMBEDS_IPV4):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)]
    return []


def is_public(ip: IPAddress) -> bool:
    """A global unicast address. An IPv6 address that carries IPv4 addresses (see
    :func:`embedded_ipv4`) must also carry only public ones; an IPv4-mapped one, which only
    stands for its IPv4 address (``ipaddress`` calls ``::ffff:0:0/96`` non-global), is judged
    by its IPv4 address alone."""
    if isinstance(ip, ipaddress.IPv6Address) and (inner := embedded_ipv4(ip)):
        if not all(is_public(v4) for v4 in inner):
            return False
        if ip.ipv4_mapped is not None:
            return True
    return ip.is_global and not ip.is_multicast


def _private(url: str, address: str) -> InputError:
    return InputError(f"url: {url!r} is a private address ({address}): {PRIVATE_HINT}", param="url")


async def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse what is not http(s) and, unless allowed, a host with a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"url: {url!r} is not an http(s) URL", param="url")
    if allow_private:
        return
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, parts.port or 80, type=socket.SOCK_STREAM
        )
    except (OSError, ValueError) as exc:
        raise UpstreamError(f"{url}: cannot resolve {parts.hostname!r} ({exc})") from exc
    for *_rest, sockaddr in found:
        address = str(sockaddr[0]).split("%", 1)[0]
        if not is_public(ipaddress.ip_address(address)):
            raise _private(url, address)


class PublicResolver(AbstractResolver):
    """The default resolver, without the non-public addresses it finds."""

    def __init__(self) -> None:
        self.inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self.inner.resolve(host, port, family)
        kept = [r for r in found if is_public(ipaddress.ip_address(r["host"]))]
        if not kept:
            raise OSError(f"{host} has no public address")
        return kept

    async def close(self) -> None:
        await self.inner.close()


def decode(body: bytes, content_type: str) -> str:
    """The body as text in its declared charset (header, then ``<meta>``, BOM, UTF-8)."""
    found = _HEADER_CHARSET.search(content_type) or _META_CHARSET.search(body[:4096])
    charset = found.group(1) if found else ""
    if isinstance(charset, bytes):
        charset = charset.decode("ascii", "replace")
    if not charset:
        bom = body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        charset = "utf-16" if bom else "utf-8-sig"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return body.decode(charset, "replace")


def _binary(got: web.Fetched) -> bool:
    """An image, audio, video, archive or PDF, or bytes that hold NULs (UTF-16 aside)."""
    kind = got.content_type.split(";", 1)[0].strip().lower()
    if kind.startswith(BINARY_TYPES):
        return True
    bom = got.body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    utf16 = bom or "utf-16" in got.content_type.lower()
    return not utf16 and b"\0" in got.body[:1024]


async def _follow(url: str, allow_private: bool) -> tuple[str, web.Fetched]:
    def connector() -> aiohttp.BaseConnector | None:
        return None if allow_private else aiohttp.TCPConnector(resolver=PublicResolver())

    for _hop in range(MAX_REDIRECTS + 1):
        await check_url(url, allow_private=allow_private)
        got = await web.http_get(url, follow_redirects=False, connector=connector)
        if got.status not in REDIRECTS or not got.location:
            return url, got
        url = urljoin(url, got.location)
    raise UpstreamError(f"{url}: more than {MAX_REDIRECTS} redirects")


async def fetch_page(url: str, max_chars: int, *, allow_private: bool = False) -> dict[str, Any]:
    """The page at ``url`` as text, at most ``max_chars`` characters."""
    await check_url(url, allow_private=True)  # the scheme first: a clear error, no lookup
    try:
        async with asyncio.timeout(DEADLINE_S):
            final, got = await _follow(url, allow_private)
    except TimeoutError as exc:
        raise UpstreamTimeout(f"{url}: no page within {DEADLINE_S:g} s") from exc
    if got.status >= 400:
        raise UpstreamError(f"{final}: HTTP {got.status}")
    if _binary(got):
        raise UpstreamError(f"{final}: {got.content_type or 'the answer'} is not a text page")
    raw = decode(got.body, got.content_type)
    text = html_text(raw) if "html" in got.content_type or raw.lstrip()[:1] == "<" else raw
    return {
        "url": final,
        "status": got.status,
        "content_type": got.content_type,
        "text": text[:max_chars],
        "truncated": got.truncated or len(text) > max_chars,
    }
