"""``fulcrum serve``: the gateway agents point at."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from fulcrum.errors import ConfigError
from fulcrum.gateway.config import GatewayConfig, LedgerConfig, load_config
from fulcrum.settings import ENV_PREFIX, pick


def build_config(
    config_file: Path | None,
    *,
    host: str | None = None,
    port: int | None = None,
    ledger_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> GatewayConfig:
    """The config, by flag > env (``FULCRUM_HOST``, ``_PORT``, ``_LEDGER_URL``) > file > default."""
    env = os.environ if env is None else env
    if config_file is not None:
        config = load_config(config_file, env=env)
    else:
        from fulcrum.gateway.defaults import default_config  # noqa: PLC0415 - probes ports

        config = default_config(env)
    env_port = env.get(ENV_PREFIX + "PORT")
    if env_port is not None and not env_port.isdigit():
        raise ConfigError(f"expected a port number, got {env_port!r}", field=ENV_PREFIX + "PORT")
    server = dataclasses.replace(
        config.server,
        host=pick(host, env.get(ENV_PREFIX + "HOST"), None, config.server.host),
        port=pick(port, int(env_port) if env_port else None, None, config.server.port),
    )
    url = pick(ledger_url, env.get(ENV_PREFIX + "LEDGER_URL"), config.ledger.url, None)
    ledger = LedgerConfig(url=url, reference_model=config.ledger.reference_model)
    return dataclasses.replace(config, server=server, ledger=ledger)


def serve_command(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Gateway TOML config (default: embedded defaults)."),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default 8787; 0 picks a free one).")
    ] = None,
    ledger_url: Annotated[
        str | None,
        typer.Option("--ledger-url", help="Ledger database URL (default SQLite in the data dir)."),
    ] = None,
) -> None:
    """Run the gateway: Claude Code and OpenAI clients point at it; every call is metered."""
    from fulcrum.gateway.serve import banner, serve  # noqa: PLC0415 - aiohttp only for serve

    cfg = build_config(config, host=host, port=port, ledger_url=ledger_url)
    cfg.check_bind()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def ready(url: str) -> None:
        typer.echo(banner(cfg, url))

    asyncio.run(serve(cfg, ready=ready))


def register(app: typer.Typer) -> None:
    """Add ``fulcrum serve`` to the root app."""
    app.command("serve")(serve_command)
