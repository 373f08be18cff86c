"""The pool's background task: active health probes and the servers' own load.

Every ``probe_s`` seconds each replica is asked, all at once and off the request path:

- its health: ``probe_path``, else ``/health`` (llama.cpp, vLLM; 503 while a model loads),
  else ``/v1/models`` when ``/health`` is a 404. A failed probe marks the replica down at
  once: new requests pass it over, and tries there still waiting for their first byte fail
  over now instead of waiting out ``first_byte``. A good probe marks it up and ends an
  ejection that has served its ``eject_s``, as a trial request would;
- its load, where it reports one (``load = "auto"`` finds out which, once per replica):
  Prometheus ``/metrics`` (llama.cpp with ``--metrics``: ``llamacpp:requests_processing`` +
  ``llamacpp:requests_deferred``; vLLM: ``vllm:num_requests_running`` +
  ``vllm:num_requests_waiting``), or llama.cpp's ``/slots`` (slots processing).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING

import aiohttp

if TYPE_CHECKING:
    from fulcrum.gateway.upstream.pool import Pool
    from fulcrum.gateway.upstream.replica import Replica

log = logging.getLogger(__name__)
LOAD_METRICS = (
    "llamacpp:requests_processing",
    "llamacpp:requests_deferred",
    "vllm:num_requests_running",
    "vllm:num_requests_waiting",
)
HEALTH, MODELS = "/health", "/v1/models"


def start_probes(pool: Pool) -> asyncio.Task[None] | None:
    if pool.policy.probe_s <= 0:
        return None
    return asyncio.get_running_loop().create_task(_loop(pool), name=f"fulcrum-probes-{pool.name}")


async def _loop(pool: Pool) -> None:
    policy = pool.policy
    timeout = aiohttp.ClientTimeout(total=min(max(policy.probe_s, 0.5), 5.0))
    paths = {r.index: policy.probe_path or HEALTH for r in pool.replicas}
    loads = {r.index: policy.load for r in pool.replicas}
    async with aiohttp.ClientSession(timeout=timeout) as http:
        while True:
            await asyncio.gather(
                *(_probe(http, pool, r, paths, loads) for r in pool.replicas),
                return_exceptions=True,
            )
            pool.dispatch()  # a replica that came back takes waiting requests
            await asyncio.sleep(policy.probe_s)


async def _probe(
    http: aiohttp.ClientSession,
    pool: Pool,
    replica: Replica,
    paths: dict[int, str],
    loads: dict[int, str],
) -> None:
    base = replica.backend.config.base_url
    status = await _status(http, base + paths[replica.index])
    if status == 404 and paths[replica.index] == HEALTH:
        paths[replica.index] = MODELS  # a server without /health
        status = await _status(http, base + MODELS)
    was_up, replica.up = replica.up, status == 200
    until = replica.ejected_until
    if replica.up and until is not None and pool.clock() >= until:
        replica.succeeded()  # the ejection served its time and the server answers: back
    if was_up and not replica.up:
        replica.went_down()
    if was_up != replica.up:
        log.warning("pool %s: replica %s is %s", replica.backend.name, replica.label,
                    "up" if replica.up else f"down (probe: {status or 'no answer'})")  # fmt: skip
    if replica.up and loads[replica.index] != "none":
        await _load(http, replica, loads)


async def _status(http: aiohttp.ClientSession, url: str) -> int | None:
    try:
        async with http.get(url) as resp:
            await resp.read()
            return resp.status
    except (aiohttp.ClientError, TimeoutError, OSError):
        return None


async def _load(http: aiohttp.ClientSession, replica: Replica, loads: dict[int, str]) -> None:
    """The server's running + waiting requests; an ``auto`` source settles on what answers."""
    source = loads[replica.index]
    base = replica.backend.config.base_url
    value: int | None = None
    if source in ("auto", "metrics"):
        value = parse_metrics(await _text(http, base + "/metrics"))
        if value is not None:
            loads[replica.index] = "metrics"
    if value is None and source in ("auto", "slots"):
        value = parse_slots(await _text(http, base + "/slots"))
        if value is not None:
            loads[replica.index] = "slots"
    if value is None and source == "auto":
        loads[replica.index] = "none"  # the server reports no load: stop asking
    replica.server_load = value or 0


async def _text(http: aiohttp.ClientSession, url: str) -> str | None:
    with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError, UnicodeDecodeError):
        async with http.get(url) as resp:
            if resp.status == 200:
                return await resp.text()
    return None


def parse_metrics(text: str | None) -> int | None:
    """Running + waiting requests from a Prometheus text page; None when it has neither."""
    if text is None:
        return None
    total, seen = 0.0, False
    for line in text.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name not in LOAD_METRICS:
            continue
        rest = line[line.rindex("}") + 1 :] if "}" in line else line[len(name) :]
        with contextlib.suppress(ValueError, IndexError):
            total += float(rest.split()[0])  # the value; a timestamp may follow
            seen = True
    return round(total) if seen else None


def parse_slots(text: str | None) -> int | None:
    """Slots processing a request, from llama.cpp's ``/slots``; None when not that shape."""
    if text is None:
        return None
    try:
        slots = json.loads(text)
    except ValueError:
        return None
    if not isinstance(slots, list) or not all(isinstance(s, dict) for s in slots):
        return None
    return sum(1 for s in slots if s.get("is_processing") or s.get("state") == 1)
