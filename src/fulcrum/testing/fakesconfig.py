"""Gateway configs on the fake upstreams (:mod:`fulcrum.fakes`), for tests and benches: an
Anthropic-format and an OpenAI-format backend, and optionally a Responses-format one."""

from __future__ import annotations

CODEX_ALIAS = '"to-codex" = "codex/gpt-5.1-codex"'

FAKES_CONFIG = """
[server]
shutdown_timeout_s = 10

[backends.claude]
format = "anthropic"
base_url = "{anthropic}"
kind = "api"
provider = "anthropic"
models = ["claude-sonnet-4-6", "claude-haiku-4-5"]
[backends.claude.retry]
attempts = 2
backoff_s = 0.01
[backends.claude.timeouts]
first_byte = {first_byte}
idle = {idle}
total = {total}
[backends.claude.breaker]
failures = {breaker_failures}
reset_s = 0.5

[backends.gpt]
format = "openai"
base_url = "{openai}"
kind = "api"
provider = "openai"
models = ["gpt-4o-mini"]
[backends.gpt.retry]
attempts = 2
backoff_s = 0.01
[backends.gpt.breaker]
failures = {breaker_failures}
reset_s = 0.5
[backends.gpt.timeouts]
first_byte = {first_byte}
idle = {idle}
total = {total}

[routes]
default = "claude"
background_models = []
sticky_ttl_s = 0
{routes_extra}

[routes.aliases]
"to-openai" = "gpt/gpt-4o-mini"
"to-claude" = "claude/claude-sonnet-4-6"
{aliases_extra}
"""


def fakes_config(
    anthropic: str,
    openai: str,
    *,
    routes_extra: str = "",
    aliases_extra: str = "",
    first_byte: float = 0.5,
    idle: float = 0.5,
    total: float = 5.0,
    breaker_failures: int = 3,
) -> str:
    """A gateway config on a fake Anthropic and a fake OpenAI backend (their URLs): aliases
    ``to-claude`` and ``to-openai``, every other model to Claude, no sticky routes."""
    return FAKES_CONFIG.format(
        anthropic=anthropic,
        openai=openai,
        routes_extra=routes_extra,
        aliases_extra=aliases_extra,
        first_byte=first_byte,
        idle=idle,
        total=total,
        breaker_failures=breaker_failures,
    )


RESPONSES_BACKEND = """
[backends.codex]
format = "responses"
base_url = "{url}"
kind = "api"
provider = "openai"
models = ["gpt-5.1-codex"]
"""


def with_responses_backend(anthropic: str, openai: str) -> str:
    """:func:`fakes_config` and ``to-codex``: a backend of the fake OpenAI's that speaks
    the Responses API (as OpenAI's Responses-only models do)."""
    text = fakes_config(anthropic, openai, aliases_extra=CODEX_ALIAS)
    return text + RESPONSES_BACKEND.format(url=openai)
