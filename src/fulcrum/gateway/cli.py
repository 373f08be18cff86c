"""``fulcrum serve``: the gateway agents point at."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fulcrum.aio import run_loop
from fulcrum.errors import ConfigError
from fulcrum.gateway.config import (
    REPROBE_S,
    GatewayConfig,
    load_config,
    with_policy_file,
)
from fulcrum.gateway.workers import check_workers
from fulcrum.settings import ENV_PREFIX, pick

if TYPE_CHECKING:
    from fulcrum.gateway.reprobe import Probe


MAX_PORT = 65535


def _embedded_defaults(env: Mapping[str, str]) -> GatewayConfig:
    from fulcrum.gateway.defaults import default_config  # noqa: PLC0415 - probes ports

    return default_config(env)


def _serve_anyway(env: Mapping[str, str]) -> GatewayConfig:
    """The embedded defaults; with no backend found, say so and serve without one (the
    gateway re-probes in the background: :mod:`fulcrum.gateway.reprobe`)."""
    try:
        return _embedded_defaults(env)
    except ConfigError as exc:
        if exc.field != "backends":
            raise
        typer.echo(
            f"fulcrum: {exc.detail}\n"
            "fulcrum: serving anyway (chat requests get a 503 saying this) and re-probing "
            f"every {REPROBE_S:g} s (--no-wait exits instead)",
            err=True,
        )
        from fulcrum.gateway.defaults import default_config  # noqa: PLC0415 - probes ports

        return default_config(env, detect=False, allow_empty=True)


def _probe(config_file: Path | None, cfg: GatewayConfig) -> Probe | None:
    """How to look for a backend later: only on the embedded defaults that found none."""
    if config_file is not None or cfg.backends:
        return None
    env = dict(os.environ)
    return lambda: _embedded_defaults(env)


def build_config(
    config_file: Path | None,
    *,
    host: str | None = None,
    port: int | None = None,
    ledger_url: str | None = None,
    env: Mapping[str, str] | None = None,
    wait: Callable[[Mapping[str, str]], GatewayConfig] | None = None,
) -> GatewayConfig:
    """The config, by flag > env (``FULCRUM_HOST``, ``_PORT``, ``_LEDGER_URL``) > file > default.

    Without a file, the embedded defaults; ``wait`` (when given) is how to get them when no
    backend answers yet."""
    env = os.environ if env is None else env
    env_port = env.get(ENV_PREFIX + "PORT")
    if env_port is not None and not (env_port.isdigit() and int(env_port) <= MAX_PORT):
        raise ConfigError(
            f"expected a port number (0-{MAX_PORT}), got {env_port!r}", field=ENV_PREFIX + "PORT"
        )
    if config_file is not None:
        config = load_config(config_file, env=env)
    else:
        config = (wait or _embedded_defaults)(env)
    server = dataclasses.replace(
        config.server,
        host=pick(host, env.get(ENV_PREFIX + "HOST"), None, config.server.host),
        port=pick(port, int(env_port) if env_port else None, None, config.server.port),
    )
    url = pick(ledger_url, env.get(ENV_PREFIX + "LEDGER_URL"), config.ledger.url, None)
    ledger = dataclasses.replace(config.ledger, url=url)
    return dataclasses.replace(config, server=server, ledger=ledger)


# fulcrum serve --workers: several processes on one port (fulcrum.gateway.workers)
Workers = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        help="Gateway processes serving the port, one core's worth of requests each. More "
        "than one needs a PostgreSQL ledger (--ledger-url postgresql://...), through which "
        "they share budgets, session pins and the batch queue; each has its own /metrics.",
    ),
]


def serve_command(  # noqa: PLR0917 - Typer maps parameters to flags
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Gateway TOML config (default: embedded defaults)."),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[
        int | None,
        typer.Option(min=0, max=MAX_PORT, help="Port (default 8787; 0 picks a free one)."),
    ] = None,
    ledger_url: Annotated[
        str | None,
        typer.Option("--ledger-url", help="Ledger database URL (default SQLite in the data dir)."),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait",
            help="On embedded defaults with no backend found: serve at once (the dashboard; "
            "chat requests get a 503 saying what to start or set) and re-probe the local "
            "servers' default ports (llama.cpp 8080, Ollama 11434, LM Studio 1234, vLLM 8000) "
            "every 5 s, or exit 2 at once.",
        ),
    ] = True,
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="A policy file (TOML with one \\[policy] table: rules, local-share target, "
            "budget, latency SLO); it replaces the config's own \\[policy]. See docs/policy.md.",
        ),
    ] = None,
    workers: Workers = 1,
) -> None:
    """Run the gateway: Claude Code and OpenAI clients point at it; every call is metered.

    Without --config it runs on embedded defaults: a SQLite ledger in the data
    directory, every local server found on its default port, and Anthropic /
    OpenAI when ANTHROPIC_API_KEY / OPENAI_API_KEY is set."""
    try:
        cfg = build_config(
            config,
            host=host,
            port=port,
            ledger_url=ledger_url,
            wait=_serve_anyway if wait else None,
        )
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if policy is not None:
        cfg = with_policy_file(cfg, policy)
    cfg.check_start()
    check_workers(workers, cfg.ledger.url)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _run(cfg, workers, _probe(config, cfg))


def _run(cfg: GatewayConfig, workers: int, probe: Probe | None) -> None:
    """Serve ``cfg`` in this process, or in ``workers`` processes on one port."""
    from fulcrum.gateway.serve import banner, serve, serve_workers  # noqa: PLC0415 - aiohttp

    def ready(url: str) -> None:
        if workers > 1:
            typer.echo(f"workers: {workers} processes on this port, one ledger")
        typer.echo(banner(cfg, url))

    if workers > 1:
        raise typer.Exit(serve_workers(cfg, workers, ready=ready, probe=probe))
    run_loop(serve(cfg, ready=ready, probe=probe))


def register(app: typer.Typer) -> None:
    """Add ``fulcrum serve`` to the root app."""
    example = (
        "Example: fulcrum serve --config gateway.toml --ledger-url "
        "postgresql://fulcrum@db/fulcrum (docs/gateway.md describes the file)"
    )
    app.command("serve", epilog=example)(serve_command)
