"""``fulcrum route``: explain a routing decision.

``fulcrum route explain REQUEST.json [--config GATEWAY.toml] [--policy POLICY.toml]
[--header 'Name: value' ...] [--api anthropic|openai] [--client-key NAME] [--at TIME]
[--json]`` reads a request body, extracts its features, tries every policy rule and
prints each with why it did or did not match, the rule that fired and the route.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fulcrum.errors import InputError
from fulcrum.routing.features import extract_features
from fulcrum.routing.policy.explain import as_dict, explain, render
from fulcrum.routing.policy.load import RuleSet, load_rules, read_request
from fulcrum.routing.policy.rules import evaluate
from fulcrum.routing.request import route_request_from_anthropic, route_request_from_openai

APIS = {"anthropic": route_request_from_anthropic, "openai": route_request_from_openai}


def register(app: typer.Typer) -> None:
    route = typer.Typer(help="Explain and replay routing decisions.", no_args_is_help=True)
    route.command("explain")(explain_command)
    app.add_typer(route, name="route")


def explain_command(  # noqa: PLR0917 - Typer maps parameters to flags
    request: Annotated[Path, typer.Argument(help="A request body (JSON), as a client sends it.")],
    config: Annotated[
        Path | None,
        typer.Option(help="The gateway config (its \\[policy] table and background models)."),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(help="A policy file holding a \\[policy] table (replaces the config's)."),
    ] = None,
    header: Annotated[
        list[str] | None, typer.Option(help="A request header, 'Name: value' (repeatable).")
    ] = None,
    api: Annotated[str, typer.Option(help="The body's format: anthropic or openai.")] = "anthropic",
    client_key: Annotated[
        str | None, typer.Option(help="The client key's name, as authenticated.")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Local time of the request (ISO 8601); default now.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show how the policy routes one request: its features, every rule tried and why."""
    if api not in APIS:
        raise InputError(f"--api: expected one of {', '.join(APIS)}, got {api!r}")
    body = read_request(request)
    rules: RuleSet = load_rules(config, policy)
    headers = _headers(header or [])
    req = APIS[api](body, headers, background_models=rules.background_models)
    features = extract_features(req, body, client_key=client_key, now=_time(at))
    explanation = explain(
        evaluate(rules.rules, features), otherwise=rules.otherwise, source=rules.source
    )
    if json_out:
        typer.echo(json.dumps(as_dict(explanation), indent=2, ensure_ascii=False))
        return
    render(explanation, Console(width=80))


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
