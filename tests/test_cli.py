from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import typer

from fulcrum import __version__
from fulcrum.cli import build_app
from fulcrum.errors import ConfigError, NotFound, RateLimited

UNESCAPED = re.compile(r"(?<!\\)\[[A-Za-z]")


def test_version_via_module() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fulcrum", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"fulcrum {__version__}"


def test_config_error_names_file_and_field() -> None:
    err = ConfigError("must be >= 0 (watts)", file="a.toml", field="hardware.idle_w")
    assert err.message == "a.toml: hardware.idle_w: must be >= 0 (watts)"
    assert err.exit_code == 2
    assert err.anthropic_body()["error"]["type"] == "invalid_request_error"


def test_error_bodies_are_provider_shaped() -> None:
    nf = NotFound("model 'x' is not configured", param="model")
    assert nf.status == 404
    assert nf.openai_body()["error"]["code"] == "model_not_found"
    assert nf.anthropic_body() == {
        "type": "error",
        "error": {"type": "not_found_error", "message": "model 'x' is not configured"},
    }
    rl = RateLimited("slow down", retry_after=2.0)
    assert (rl.status, rl.retry_after) == (429, 2.0)


def _helps(command: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every help text of ``command`` and its subcommands: its own and each option's."""
    yield where, command.help or ""
    for param in command.params:
        yield f"{where} {param.name}", getattr(param, "help", None) or ""
    for name, sub in getattr(command, "commands", {}).items():  # a group's subcommands
        yield from _helps(sub, f"{where} {name}")


def test_no_help_text_loses_a_bracketed_word() -> None:
    """Help is rendered as Rich markup, where ``[policy]`` is a tag and disappears: a TOML
    table named in help must be written ``\\[policy]``."""
    root = typer.main.get_command(build_app())
    lost = [(where, text) for where, text in _helps(root, "fulcrum") if UNESCAPED.search(text)]
    assert lost == []
    assert sum(1 for _ in _helps(root, "fulcrum")) > 200  # the walk reaches the subcommands
