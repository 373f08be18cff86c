"""``[backends.NAME]``: one configured upstream, parsed once into a frozen dataclass.

A backend is a wire format plus an endpoint (``base_url``, key, models). Several servers of
the same model form a pool: ``base_urls = [...]`` (or ``base_url`` with a ``[pool]`` table,
which caps a single server). A pool is still one backend to routing; the upstream layer picks
the replica per attempt (:mod:`fulcrum.gateway.upstream.pool`). Keys come from the
environment (``api_key_env``) or a keys file (``api_key_file``), never from the TOML, and
never appear in a ``repr``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from fulcrum.gateway.upstream.formats import FORMATS  # the registry: the only list of formats
from fulcrum.kinds import BACKEND_KINDS, BackendKind
from fulcrum.routing.config import BackendCaps
from fulcrum.tables import Table
from fulcrum.urls import is_http_url

KINDS = BACKEND_KINDS  # defined once, in fulcrum.kinds
BACKEND_KEYS = (
    "format", "base_url", "base_urls", "api_key_env", "api_key_file", "kind", "provider",
    "models", "context_window", "max_output_tokens", "count_tokens", "timeouts", "retry",
    "breaker", "pool",
)  # fmt: skip
POOL_KEYS = (
    "max_concurrent", "queue_max", "queue_wait_s", "on_full", "probe_s", "probe_path",
    "load", "eject_after", "eject_s", "affinity_ttl_s",
)  # fmt: skip
ON_FULL = ("spill", "refuse")
LOAD_SOURCES = ("auto", "metrics", "slots", "none")


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    first_byte: float = 60.0
    idle: float = 60.0
    total: float = 600.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 2
    backoff_s: float = 0.05
    backoff_max_s: float = 1.0
    retry_after_cap_s: float = 2.0


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    failures: int = 5
    reset_s: float = 10.0


@dataclass(frozen=True, slots=True)
class PoolPolicy:
    """How a pool shares its replicas out (see docs/gateway.md, "Pools")."""

    max_concurrent: int | None = None  # requests in flight per replica; None: no cap
    queue_max: int = 16  # requests waiting for a slot, per pool
    queue_wait_s: float = 5.0  # then spill to the next chain step, or refuse
    on_full: str = "spill"  # "spill" | "refuse" (a 529 overloaded_error)
    probe_s: float = 2.0  # active health probes; 0 turns them off
    probe_path: str | None = None  # None: /health, else /v1/models when /health is absent
    load: str = "auto"  # the server's own queue: "metrics", "slots", "none", or found out
    eject_after: int = 3  # consecutive failures that eject a replica
    eject_s: float = 10.0  # then one trial request (or a good probe) brings it back
    affinity_ttl_s: float = 3600.0  # a session's replica is forgotten this long after use


@dataclass(frozen=True, slots=True)
class BackendConfig:
    name: str
    format: str
    base_url: str  # a pool's first replica
    kind: str = "api"
    provider: str = ""
    models: tuple[str, ...] = ()
    context_window: int | None = None
    max_output_tokens: int | None = None
    count_tokens: bool = False
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerPolicy = field(default_factory=BreakerPolicy)
    api_key: str | None = field(default=None, repr=False, compare=False)
    key_source: str = ""  # where the key comes from ("$ANTHROPIC_API_KEY"), for error messages
    base_urls: tuple[str, ...] = ()  # every replica of a pool (base_url first); () alone
    pool: PoolPolicy | None = None  # set for a pool (several URLs, or a [pool] table)


def parse_backends(sec: Table, env: Mapping[str, str], base: Path) -> dict[str, BackendConfig]:
    for name in sec.data:  # a target is "backend" or "backend/model": no "/" in a name
        if not _NAME.fullmatch(name):
            sec.fail(name, "a backend name of letters, digits, '.', '_' or '-'", name)
    return {name: parse_backend(name, sec.table(name), env, base) for name in sec.data}


_NAME = re.compile(r"[A-Za-z0-9._-]+")


def parse_backend(name: str, sec: Table, env: Mapping[str, str], base: Path) -> BackendConfig:
    sec.only(*BACKEND_KEYS)
    fmt = sec.choice("format", tuple(FORMATS), required=True)
    urls = _urls(sec)
    t = sec.table("timeouts")
    t.only("connect", "first_byte", "idle", "total")
    r = sec.table("retry")
    r.only("attempts", "backoff_s", "backoff_max_s", "retry_after_cap_s")
    b = sec.table("breaker")
    b.only("failures", "reset_s")
    pooled = len(urls) > 1 or sec.has("pool")
    return BackendConfig(
        name=name,
        format=fmt,
        base_url=urls[0],
        kind=sec.choice("kind", KINDS, default="api"),
        provider=sec.text("provider", fmt if sec.data.get("kind", "api") == "api" else name),
        models=sec.str_list("models"),
        context_window=sec.opt_int("context_window", low=1),
        max_output_tokens=sec.opt_int("max_output_tokens", low=1),
        count_tokens=sec.flag("count_tokens", FORMATS[fmt].count_tokens_path is not None),
        timeouts=Timeouts(
            connect=t.number("connect", 5.0, low=0.001),
            first_byte=t.number("first_byte", 60.0, low=0.001),
            idle=t.number("idle", 60.0, low=0.001),
            total=t.number("total", 600.0, low=0.001),
        ),
        retry=RetryPolicy(
            attempts=r.integer("attempts", 2, low=1, high=10),
            backoff_s=r.number("backoff_s", 0.05, low=0.0),
            backoff_max_s=r.number("backoff_max_s", 1.0, low=0.0),
            retry_after_cap_s=r.number("retry_after_cap_s", 2.0, low=0.0),
        ),
        breaker=BreakerPolicy(
            failures=b.integer("failures", 5, low=1), reset_s=b.number("reset_s", 10.0, low=0.0)
        ),
        api_key=_api_key(sec, env, base),
        key_source=_key_source(sec),
        base_urls=urls if pooled else (),
        pool=parse_pool(sec.table("pool")) if pooled else None,
    )


def _urls(sec: Table) -> tuple[str, ...]:
    """``base_url`` or ``base_urls`` (one of them), each checked and without a trailing /v1."""
    if sec.has("base_url") and sec.has("base_urls"):
        sec.fail("base_urls", "either base_url or base_urls, not both")
    if sec.has("base_urls"):
        raw = sec.str_list("base_urls", nonempty=True, required=True)
        key = "base_urls"
    else:
        raw = (sec.text("base_url", required=True),)
        key = "base_url"
    urls = tuple(u.rstrip("/").removesuffix("/v1") for u in raw)
    for url in urls:
        _check_url(sec, key, url)
    if len(set(urls)) != len(urls):
        sec.fail(key, "distinct URLs", list(raw))
    return urls


def _check_url(sec: Table, key: str, url: str) -> None:
    """An http(s) URL with a host and a valid port, naming the server, not an API path
    (the gateway adds ``/v1/chat/completions`` or ``/v1/messages`` itself)."""
    if not is_http_url(url):
        sec.fail(key, "an http:// or https:// URL with a host, like http://127.0.0.1:8080", url)
    path = urlsplit(url).path.rstrip("/")
    for fmt in FORMATS.values():
        api_path = fmt.chat_path.removeprefix("/v1")
        if path.endswith(api_path):
            sec.fail(key, f"the server's base URL, without the API path ({api_path})", url)


def parse_pool(sec: Table) -> PoolPolicy:
    sec.only(*POOL_KEYS)
    path = sec.opt_text("probe_path")
    if path is not None and not path.startswith("/"):
        sec.fail("probe_path", "a path starting with /", path)
    return PoolPolicy(
        max_concurrent=sec.opt_int("max_concurrent", low=1),
        queue_max=sec.integer("queue_max", 16, low=0),
        queue_wait_s=sec.number("queue_wait_s", 5.0, low=0.0),
        on_full=sec.choice("on_full", ON_FULL, default="spill"),
        probe_s=sec.number("probe_s", 2.0, low=0.0),
        probe_path=path,
        load=sec.choice("load", LOAD_SOURCES, default="auto"),
        eject_after=sec.integer("eject_after", 3, low=1),
        eject_s=sec.number("eject_s", 10.0, low=0.0),
        affinity_ttl_s=sec.number("affinity_ttl_s", 3600.0, low=0.0),
    )


def _api_key(sec: Table, env: Mapping[str, str], base: Path) -> str | None:
    key_env = sec.data.get("api_key_env")
    key_file = sec.data.get("api_key_file")
    if key_env is not None:
        name = sec.text("api_key_env", "")
        value = env.get(name)
        if value:
            return value.strip()
    if key_file is not None:
        path = base / Path(sec.text("api_key_file", "")).expanduser()
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            sec.fail("api_key_file", f"a readable file holding the key ({exc.strerror})")
    return None


def _key_source(sec: Table) -> str:
    """Names the key's origin, never the key: ``$NAME`` and/or ``file PATH``."""
    env_name, file = sec.data.get("api_key_env"), sec.data.get("api_key_file")
    parts = ([f"${env_name}"] if env_name else []) + ([f"file {file}"] if file else [])
    return " or ".join(parts)


def caps(backend: BackendConfig) -> BackendCaps:
    """What routing needs of a parsed backend: routing never reads the TOML itself."""
    kind: BackendKind = "local" if backend.kind == "local" else "api"
    return BackendCaps(
        name=backend.name,
        kind=kind,
        models=backend.models,
        context_window=backend.context_window,
        max_output_tokens=backend.max_output_tokens,
    )
