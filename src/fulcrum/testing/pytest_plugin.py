"""pytest plugin: fixtures for the real components, and the rule for when they are missing.

Enabled from ``tests/conftest.py`` with ``pytest_plugins = ["fulcrum.testing.pytest_plugin"]``.

A test marked ``llama``, ``claude_code``, ``codex`` or ``opencode`` needs that component
installed by ``scripts/setup_test_deps.sh``. When it is missing, the test fails with that hint
if the environment variable ``CI`` is set (so CI never passes by skipping), and is skipped
otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import NoReturn

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.testing.claude_code import claude_command
from fulcrum.testing.codex import codex_command
from fulcrum.testing.components import ComponentMissing
from fulcrum.testing.llama import LlamaServer, llama_server_binary
from fulcrum.testing.opencode import opencode_command
from fulcrum.testing.postgres import PostgresCluster

_CHECKS: dict[str, Callable[[], object]] = {
    "llama": llama_server_binary,
    "claude_code": claude_command,
    "codex": codex_command,
    "opencode": opencode_command,
}


def on_ci() -> bool:
    """True when the ``CI`` environment variable is set to anything but empty/0/false."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_component(reason: str) -> NoReturn:
    """Fail (on CI) or skip (locally) the current test because a component is missing."""
    if on_ci():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, check in _CHECKS.items():
        if item.get_closest_marker(marker) is None:
            continue
        try:
            check()
        except ComponentMissing as exc:
            missing_component(str(exc))


@pytest.fixture(scope="session")
def llama_server() -> Iterator[LlamaServer]:
    """One llama.cpp server with the tiny model per session: 4 slots of 2,048 tokens each."""
    try:
        server = LlamaServer(ctx_size=8192, parallel=4, threads=1)
        server.start()
    except ComponentMissing as exc:
        missing_component(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL server for the whole session (tests marked ``postgres``)."""
    cluster = PostgresCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    """A fake Anthropic API on loopback (the frontier's wire format, errors and streams)."""
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A fake OpenAI-format API on loopback."""
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def pg_url(pg_cluster: PostgresCluster) -> str:
    """A fresh, empty database on the session's cluster."""
    return pg_cluster.create_database()


def _argv(command: Callable[[], list[str]]) -> list[str]:
    """A CLI's argv prefix, or the missing component's skip (or failure, on CI)."""
    try:
        return command()
    except ComponentMissing as exc:
        missing_component(str(exc))


@pytest.fixture
def claude_cli() -> list[str]:
    """The argv prefix that starts the Claude Code CLI (see ``fulcrum.testing.claude_code``)."""
    return _argv(claude_command)


@pytest.fixture
def codex_cli() -> list[str]:
    """The argv prefix that starts OpenAI's Codex CLI (see ``fulcrum.testing.codex``)."""
    return _argv(codex_command)


@pytest.fixture
def opencode_cli() -> list[str]:
    """The argv prefix that starts the OpenCode CLI (see ``fulcrum.testing.opencode``)."""
    return _argv(opencode_command)
