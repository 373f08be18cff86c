"""Running the gateway: bind, announce, and shut down gracefully.

On SIGTERM (or SIGINT) the listening socket closes at once, requests in flight are given
``server.shutdown_timeout_s`` to finish, the upstream sessions close and the ledger writer
flushes every row it accepted before the process exits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import signal
import sys
from collections.abc import Callable

from fulcrum.aio import run_loop
from fulcrum.gateway.app import build_app
from fulcrum.gateway.config import GatewayConfig
from fulcrum.gateway.extensions import banner as extension_banner
from fulcrum.gateway.inbound.front import Front
from fulcrum.gateway.inbound.httpserver import runner as gateway_runner
from fulcrum.gateway.proxy import proxy
from fulcrum.gateway.reprobe import Probe
from fulcrum.gateway.workers import Supervisor, reserve
from fulcrum.urls import redact_url

# How long a thread may hold the GIL while another waits for it (Python's default: 5 ms).
# The ledger writer's thread takes the GIL a few times a batch (to hand rows to the database
# and after each statement); with the default, a request whose answer arrives while it holds
# it could wait up to 5 ms for the event loop to run.
SWITCH_INTERVAL_S = 0.0005


AGENT_KEY_ENV = "FULCRUM_API_KEY"  # where Codex CLI and OpenCode read their key for the gateway


def codex_config(url: str) -> str:
    """Codex CLI's ``config.toml`` lines that make the gateway its model provider, speaking
    the Responses API (its key read from ``$FULCRUM_API_KEY``)."""
    return "\n".join([
        'model_provider = "fulcrum"',
        "[model_providers.fulcrum]",
        'name = "fulcrum"',
        f'base_url = "{url}/v1"',
        f'env_key = "{AGENT_KEY_ENV}"',
        'wire_api = "responses"',
    ])  # fmt: skip


def opencode_config(url: str) -> str:
    """OpenCode's ``opencode.json`` that sends its Anthropic and OpenAI providers (Messages and
    the Responses API) through the gateway, its key read from ``$FULCRUM_API_KEY``."""
    options = {"baseURL": f"{url}/v1", "apiKey": f"{{env:{AGENT_KEY_ENV}}}"}
    providers = {name: {"options": options} for name in ("anthropic", "openai")}
    return json.dumps({"provider": providers})


def _where(urls: tuple[str, ...]) -> str:
    """A backend's server, or a pool's replicas (every one), without secrets."""
    shown = ", ".join(redact_url(u) for u in urls)
    return shown if len(urls) == 1 else f"{len(urls)} replicas: {shown}"


def banner(config: GatewayConfig, url: str) -> str:
    """How to point Claude Code, an OpenAI client, Codex CLI and OpenCode at the gateway."""
    key_hint = (
        f"one of the keys in ${config.server.client_keys_env}"
        if config.server.client_keys
        else "any value (no client keys configured)"
    )
    backends = ", ".join(
        f"{b.name} ({b.kind}, {b.format}, {_where(b.base_urls or (b.base_url,))})"
        for b in config.backends.values()
    )
    return "\n".join(
        [
            f"fulcrum gateway listening on {url}",
            *extension_banner(config, url),
            f"backends: {backends or 'none'}",
            f"ledger: {redact_url(config.ledger.url or '') or 'SQLite in the data directory'}",
            "",
            "Claude Code:",
            f"  export ANTHROPIC_BASE_URL={url}",
            f"  export ANTHROPIC_API_KEY=<{key_hint}>",
            "OpenAI clients:",
            f'  OpenAI(base_url="{url}/v1", api_key="<{key_hint}>")',
            f"  export OPENAI_BASE_URL={url}/v1",
            "Codex CLI:",
            f"  export {AGENT_KEY_ENV}=<{key_hint}>",
            "  and in ~/.codex/config.toml:",
            *(f"    {line}" for line in codex_config(url).splitlines()),
            "OpenCode:",
            f"  export {AGENT_KEY_ENV}=<{key_hint}>",
            "  and in opencode.json:",
            f"    {opencode_config(url)}",
        ]
    )


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _bound_url(listener: asyncio.Server, host: str) -> str:
    return _url(host, listener.sockets[0].getsockname()[1])


def serve_workers(
    config: GatewayConfig,
    count: int,
    *,
    ready: Callable[[str], None],
    probe: Probe | None = None,
) -> int:
    """Serve with ``count`` worker processes on one port (:mod:`fulcrum.gateway.workers`);
    ``ready`` is called once all of them serve. Returns the exit status."""
    reserved = reserve(config.server.host, config.server.port)
    port = reserved.getsockname()[1]
    config = dataclasses.replace(config, server=dataclasses.replace(config.server, port=port))

    def work(serving: Callable[[], None]) -> None:
        run_loop(serve(config, ready=lambda _: serving(), probe=probe, reuse_port=True))

    try:
        return Supervisor(count, work).run(lambda: ready(_url(config.server.host, port)))
    finally:
        reserved.close()


async def serve(
    config: GatewayConfig,
    *,
    ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
    handle_signals: bool = True,
    probe: Probe | None = None,
    reuse_port: bool = False,
) -> None:
    """Serve until ``stop`` is set or a SIGTERM/SIGINT arrives, then drain and flush.
    ``probe``: how to find a backend later when ``config`` has none yet; ``reuse_port``: as
    one of several workers on the port (:mod:`fulcrum.gateway.workers`)."""
    config.check_start()
    app = build_app(config, probe=probe)
    runner = gateway_runner(app, config.server)
    await runner.setup()
    stop = stop or asyncio.Event()
    switch = sys.getswitchinterval()
    assert runner.server is not None, "set up above"
    front = Front(app, runner.server, config.server, proxy)
    try:
        listener = await front.listen(config.server.host, config.server.port, reuse_port=reuse_port)
        if handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
        # Everything built so far (config, catalog, price cards) lives as long as the process:
        # keep it out of the collector's full passes, which otherwise stall requests.
        gc.collect()
        gc.freeze()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        if ready is not None:
            ready(_bound_url(listener, config.server.host))
        await stop.wait()
    finally:
        sys.setswitchinterval(switch)
        await front.shutdown(config.server.shutdown_timeout_s)
        await runner.cleanup()
