"""``fulcrum route``: explain one routing decision, replay a policy over the ledger.

``fulcrum route explain REQUEST.json [--config GATEWAY.toml] [--policy POLICY.toml]
[--header 'Name: value' ...] [--session ID] [--api auto|anthropic|openai|responses]
[--client-key NAME]
[--at TIME] [--json]`` reads a request body and shows the decision the gateway would make
for it now: with ``--config``, the brain's own (rules, session pin, budget, latency SLO,
learned router, failover chain), read from the live state and changing nothing; with a
policy file alone, what the rules decide. ``fulcrum route replay`` is in
:mod:`fulcrum.routing.replay.cli`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from fulcrum.errors import InputError, InvalidRequest
from fulcrum.gateway.config import GatewayConfig
from fulcrum.gateway.upstream.formats import FORMATS, guess_format
from fulcrum.routing.bodyscan import scan_whole
from fulcrum.routing.features import RequestFeatures, extract_features
from fulcrum.routing.policy.explain import as_dict, explain, render
from fulcrum.routing.policy.load import RuleSet, load_gateway, load_rules, read_request
from fulcrum.routing.policy.rules import evaluate
from fulcrum.routing.replay import liveview
from fulcrum.routing.replay.cli import plain_console, replay_command
from fulcrum.routing.replay.live import LiveView, explain_live
from fulcrum.routing.request import SESSION_HEADER, RouteRequest, route_request

AUTO = "auto"


def register(app: typer.Typer) -> None:
    route = typer.Typer(help="Explain and replay routing decisions.", no_args_is_help=True)
    example = "Example: fulcrum route explain request.json --config gateway.toml"
    route.command("explain", epilog=example)(explain_command)
    route.command("replay")(replay_command)
    app.add_typer(route, name="route")


def explain_command(  # noqa: PLR0917 - Typer maps parameters to flags
    request: Annotated[Path, typer.Argument(help="A request body (JSON), as a client sends it.")],
    config: Annotated[
        Path | None,
        typer.Option(
            help="The gateway config: explain with its brain, on its ledger's live pins and "
            "budget (as `fulcrum serve` would decide now)."
        ),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            help="A policy file holding a \\[policy] table: replaces the config's; alone, "
            "the rules decide without the brain."
        ),
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            help="A request header, 'Name: value' (repeatable), e.g. X-Team or "
            "X-Fulcrum-Escalate: frontier."
        ),
    ] = None,
    session: Annotated[
        str | None, typer.Option(help="The session id (as X-Fulcrum-Session): shows its pin.")
    ] = None,
    api: Annotated[
        str,
        typer.Option(
            help=f"The body's format: {', '.join(FORMATS)}, or {AUTO} (read "
            "from the body; plain turns read as Messages)."
        ),
    ] = AUTO,
    client_key: Annotated[
        str | None, typer.Option(help="The client key's name, as authenticated (per-key budget).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="Local time of the request for time rules (ISO 8601); default now."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show how one request is routed: its features, every rule and why, the verdict.

    With --config: the gateway brain's real decision (session pin, budget,
    latency SLO, learned router, failover chain), read from its ledger database
    and changing nothing. With --policy alone: what the rules decide.
    """
    api, body, raw = _api_of(api, request)
    headers = _headers(header or [])
    if session is not None:
        headers[SESSION_HEADER] = session
    if config is None:
        _explain_rules(load_rules(None, policy), body, raw, headers, api, client_key, at, json_out)
        return
    view = _explain_brain(load_gateway(config, policy), body, raw, headers, api, client_key, at)
    if json_out:
        typer.echo(json.dumps(liveview.as_dict(view), indent=2, ensure_ascii=False))
        return
    liveview.render(view, plain_console())


def _api_of(api: str, request: Path) -> tuple[str, dict[str, Any], bytes]:
    """The body's format (``--api``, or read from the body), the body and its bytes (what a
    client sends: the gateway's token estimate reads them)."""
    if api not in FORMATS and api != AUTO:
        raise InputError(f"--api: expected one of {', '.join(FORMATS)} or {AUTO}, got {api!r}")
    body = read_request(request)
    fmt = guess_format(body) if api == AUTO else FORMATS[api]
    try:  # the gateway's own checks: what it answers 400 gets no decision
        fmt.check(body)
    except InvalidRequest as exc:
        raise InputError(f"{request}: {exc.message} (the gateway answers it 400)") from None
    return fmt.name, body, request.read_bytes()


def _explain_brain(  # noqa: PLR0917
    gateway: GatewayConfig, body: dict[str, Any], raw: bytes, headers: dict[str, str], api: str,
    client_key: str | None, at: str | None,
) -> LiveView:  # fmt: skip
    """The request as the gateway reads it, decided by its brain (dry)."""
    assert gateway.routes is not None, "routes are built with the config"
    background = gateway.routes.background_models
    view, req, features = _read(body, raw, headers, api, background, client_key, at)
    return explain_live(gateway, req, view, features)


def _explain_rules(  # noqa: PLR0917
    rules: RuleSet, body: dict[str, Any], raw: bytes, headers: dict[str, str], api: str,
    client_key: str | None, at: str | None, json_out: bool,
) -> None:  # fmt: skip
    # no pins without the gateway: every request is one it has not seen, scanned whole
    _, _, features = _read(body, raw, headers, api, rules.background_models, client_key, at)
    scan_whole(features, body)
    explanation = explain(
        evaluate(rules.rules, features), otherwise=rules.otherwise, source=rules.source
    )
    if json_out:
        typer.echo(json.dumps(as_dict(explanation), indent=2, ensure_ascii=False))
        return
    render(explanation, plain_console())


def _read(  # noqa: PLR0917
    body: dict[str, Any], raw: bytes, headers: dict[str, str], api: str,
    background: Sequence[str], client_key: str | None, at: str | None,
) -> tuple[Mapping[str, Any], RouteRequest, RequestFeatures]:  # fmt: skip
    """The request as the gateway reads it: its format's routing view, the route request and
    the features."""
    fmt = FORMATS[api]
    view = fmt.routing_view(body)
    req = route_request(fmt.name, view, headers, max_tokens_keys=fmt.max_tokens_keys,
                        background_models=background, raw_body=raw)  # fmt: skip
    return view, req, extract_features(req, view, client_key=client_key, now=_time(at))


def _headers(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip():
            raise InputError(f"--header: expected 'Name: value', got {value!r}")
        out[name.strip().lower()] = rest.strip()
    return out


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"--at: expected an ISO 8601 time like 2026-03-02T23:15, got {value!r}"
        ) from None
    return parsed if parsed.tzinfo is None else parsed.astimezone()
