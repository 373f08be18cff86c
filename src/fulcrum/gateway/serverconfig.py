"""``[server]``: the bind address, client keys, limits, and who may talk to the gateway.

Cross-site rules (see docs/gateway.md, "Security"): a request whose ``Host`` is not
loopback (127.0.0.0/8, ``localhost``, ``[::1]``, any port), the configured bind host or
listed in ``allowed_hosts`` is refused, which defeats DNS rebinding; any ``Origin`` header
(a browser) is refused unless listed in ``allowed_origins``. ``"*"`` in either list allows
every value. With a wildcard bind (``0.0.0.0``, ``::``) an IP-literal ``Host`` is accepted
too (rebinding needs a name), and client keys are required anyway.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from fulcrum.tables import Table

_KEY_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
LOOPBACK = ("127.0.0.1", "::1", "localhost")
WILDCARD = ("0.0.0.0", "::", "")
KEYS = (
    "host", "port", "client_keys_env", "max_body_bytes", "store_bodies", "shutdown_timeout_s",
    "allowed_hosts", "allowed_origins", "header_timeout_s", "body_timeout_s",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8787
    client_keys_env: str = "FULCRUM_CLIENT_KEYS"
    client_keys: tuple[str, ...] = field(default=(), repr=False, compare=False)
    # One name per key, same order: what budgets, rules and the ledger see (never the key).
    client_key_names: tuple[str, ...] = ()
    max_body_bytes: int = 32 * 1024 * 1024
    store_bodies: bool = False
    shutdown_timeout_s: float = 30.0
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    header_timeout_s: float = 30.0
    body_timeout_s: float = 60.0

    def host_allowed(self, header: str) -> bool:
        """Whether a request's ``Host`` header names this gateway (see the module doc)."""
        name = host_name(header)
        if "*" in self.allowed_hosts or name in self.allowed_hosts or is_loopback(name):
            return True
        bind = self.host.lower()
        if bind in WILDCARD:
            return is_ip(name)
        return name == bind.strip("[]")

    def origin_allowed(self, origin: str) -> bool:
        return "*" in self.allowed_origins or _origin(origin) in self.allowed_origins


def host_name(header: str) -> str:
    """The host of a ``Host`` header, lower-cased, without port or IPv6 brackets."""
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end > 0 else value
    if value.count(":") == 1:
        return value.partition(":")[0]
    return value


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def is_loopback(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _origin(value: str, sec: Table | None = None) -> str:
    """An origin as browsers send it (``https://host[:port]``), or ``*``."""
    origin = value.strip().lower().rstrip("/")
    if sec is not None and origin != "*" and not _ORIGIN.fullmatch(origin):
        sec.fail("allowed_origins", "origins like https://app.example:3000, or *", value)
    return origin


_ORIGIN = re.compile(r"https?://[^/\s]+")


def _named_key(entry: str) -> tuple[str, str]:
    """``NAME:KEY`` names a key (``alice:sk-…``); a bare key is named by its hash's start."""
    name, sep, key = entry.partition(":")
    if sep and _KEY_NAME.fullmatch(name) and key.strip():
        return name, key.strip()
    return f"key-{hashlib.sha256(entry.encode()).hexdigest()[:8]}", entry


def parse_server(sec: Table, env: Mapping[str, str]) -> ServerConfig:
    sec.only(*KEYS)
    keys_env = sec.text("client_keys_env", "FULCRUM_CLIENT_KEYS")
    named = [_named_key(k.strip()) for k in env.get(keys_env, "").split(",") if k.strip()]
    if sec.has("client_keys_env") and not named:  # named on purpose: keys were meant
        sec.fail("client_keys_env", f"a variable that holds the client keys; ${keys_env} is "
                 "unset or empty (set it, or drop client_keys_env)")  # fmt: skip
    return ServerConfig(
        host=sec.text("host", "127.0.0.1"),
        port=sec.integer("port", 8787, low=0, high=65535),
        client_keys_env=keys_env,
        client_keys=tuple(key for _, key in named),
        client_key_names=tuple(name for name, _ in named),
        max_body_bytes=sec.integer("max_body_bytes", 32 * 1024 * 1024, low=1024),
        store_bodies=sec.flag("store_bodies", False),
        shutdown_timeout_s=sec.number("shutdown_timeout_s", 30.0, low=0.0),
        allowed_hosts=tuple(host_name(h) for h in sec.str_list("allowed_hosts")),
        allowed_origins=tuple(_origin(o, sec) for o in sec.str_list("allowed_origins")),
        header_timeout_s=sec.number("header_timeout_s", 30.0, low=0.1),
        body_timeout_s=sec.number("body_timeout_s", 60.0, low=0.1),
    )
