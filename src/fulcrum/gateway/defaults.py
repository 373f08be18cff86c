"""Embedded defaults: detect local servers on their default ports, enable keyed frontier APIs.

Used when ``fulcrum serve`` runs without ``--config``: the ledger is SQLite in the data
directory, every local server answering ``GET /v1/models`` on its default port becomes a
``local`` backend, and Anthropic / OpenAI are enabled when their key is in the environment.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fulcrum.gateway.config import GatewayConfig, from_mapping


@dataclass(frozen=True, slots=True)
class LocalServer:
    name: str
    port: int
    format: str = "openai"


LOCAL_SERVERS: tuple[LocalServer, ...] = (
    LocalServer("llamacpp", 8080),
    LocalServer("ollama", 11434),
    LocalServer("lmstudio", 1234),
    LocalServer("vllm", 8000),
)

FRONTIER: tuple[tuple[str, str, str, str, str], ...] = (
    # name, env var, format, base_url, model pattern routed to it
    ("anthropic", "ANTHROPIC_API_KEY", "anthropic", "https://api.anthropic.com", "claude-*"),
    ("openai", "OPENAI_API_KEY", "openai", "https://api.openai.com", "gpt-*"),
)


def probe_models(base_url: str, timeout: float = 0.3) -> list[str] | None:
    """The model ids a local OpenAI-compatible server lists, or None when nothing answers."""
    try:
        with urllib.request.urlopen(base_url + "/v1/models", timeout=timeout) as resp:
            body: Any = json.loads(resp.read())
    except (OSError, ValueError):
        return None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return []
    return [str(m["id"]) for m in data if isinstance(m, dict) and "id" in m]


def serves_messages(base_url: str, timeout: float = 0.3) -> bool:
    """Whether the server has its own ``/v1/messages`` (an empty body gets a 4xx, not a 404)."""
    request = urllib.request.Request(
        base_url + "/v1/messages",
        data=b"{}",
        headers={"content-type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return True
    except urllib.error.HTTPError as exc:
        return exc.code not in (404, 405, 501)
    except OSError:
        return False


def _probe(server: LocalServer, host: str) -> tuple[LocalServer, list[str]] | None:
    base = f"http://{host}:{server.port}"
    models = probe_models(base)
    if models is None:
        return None
    fmt = "anthropic" if serves_messages(base) else "openai"  # native when present
    return LocalServer(server.name, server.port, fmt), models


def detect_local(
    servers: tuple[LocalServer, ...] = LOCAL_SERVERS, host: str = "127.0.0.1"
) -> dict[str, tuple[LocalServer, list[str]]]:
    """Probe every default port at once; return the servers that answered, with their models
    and the wire format to use (Anthropic when the server serves ``/v1/messages`` itself)."""
    with ThreadPoolExecutor(max_workers=len(servers)) as pool:
        found = list(pool.map(lambda s: _probe(s, host), servers))
    return {hit[0].name: hit for hit in found if hit is not None}


def default_mapping(
    env: Mapping[str, str], local: Mapping[str, tuple[LocalServer, list[str]]]
) -> dict[str, Any]:
    """The config (as TOML data) the embedded defaults amount to."""
    backends: dict[str, Any] = {}
    aliases: dict[str, str] = {}
    routes: dict[str, Any] = {"aliases": aliases}
    for name, (server, models) in local.items():
        backends[name] = {
            "format": server.format,
            "base_url": f"http://127.0.0.1:{server.port}",
            "kind": "local",
            "models": models,
        }
    for name, key_env, fmt, url, pattern in FRONTIER:
        if env.get(key_env):
            backends[name] = {"format": fmt, "base_url": url, "api_key_env": key_env}
            aliases[pattern] = name
    first_local = next(iter(local), None)
    if first_local is not None:
        routes["background"] = first_local
        routes["default"] = first_local
    return {"backends": backends, "routes": routes}


def default_config(
    env: Mapping[str, str], *, detect: bool = True, allow_empty: bool = False
) -> GatewayConfig:
    """The embedded defaults, after probing local ports (unless ``detect`` is False);
    ``allow_empty``: with no backend found, a config without backends instead of an error."""
    local = detect_local() if detect else {}
    data = default_mapping(env, local)
    return from_mapping(
        data, source="<defaults>", env=env, base=Path.cwd(), allow_empty=allow_empty
    )
