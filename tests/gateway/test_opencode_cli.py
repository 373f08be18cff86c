"""The OpenCode CLI, the real one, through the gateway with each of its provider kinds:
Anthropic's (Messages), OpenAI's (the Responses API) and an OpenAI-compatible server (Chat
Completions, as a local model is declared). A tool loop each: the tool offered to the model,
the command run, its output sent back, every call metered."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply, ToolCall
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import running_gateway
from fulcrum.testing.opencode import (
    COMPATIBLE,
    opencode_env,
    opencode_run_argv,
    write_opencode_config,
)
from fulcrum.usage.importing import run_import
from fulcrum.usage.reconcile import match
from fulcrum.usage.records import ImportContext
from fulcrum.usage.store import UsageStore

from .brain.helpers import brain_config, repo_stays_home
from .helpers import gateway_config

PROMPT = "Run echo fulcrum-opencode-ran and tell me what it printed."
ECHO = {"command": "echo fulcrum-opencode-ran", "description": "Print a marker"}


def run_opencode(
    opencode_cli: list[str], config: str, root: Path, provider: str, model: str
) -> subprocess.CompletedProcess[str]:
    """``opencode run`` through a gateway on ``config``, set up as ``fulcrum serve`` prints, in
    ``root/project`` with its home in ``root/home``; the gateway is stopped (ledger flushed)."""
    project = root / "project"
    project.mkdir(exist_ok=True)
    with running_gateway(config) as gw:
        write_opencode_config(project, gw.url, provider, model)
        argv = opencode_run_argv(opencode_cli, provider, model, PROMPT)
        run = subprocess.run(argv, env=opencode_env(root / "home", project), cwd=project,
                             capture_output=True, text=True, timeout=180, check=False)  # fmt: skip
        gw.stop()
    return run


@pytest.mark.opencode
@pytest.mark.parametrize(
    "case",
    [
        ("anthropic", "claude-sonnet-4-6", "/v1/messages"),
        ("openai", "gpt-4o-mini", "/v1/responses"),
        (COMPATIBLE, "to-openai", "/v1/chat/completions"),
    ],
)
def test_opencode_runs_a_command_through_the_gateway(
    opencode_cli: list[str], fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI,
    tmp_path: Path, case: tuple[str, str, str],
) -> None:  # fmt: skip
    provider, model, endpoint = case  # the provider kind, its model, the gateway's endpoint
    fake = fake_anthropic if provider == "anthropic" else fake_openai
    fake.push(ToolCall("bash", ECHO, then="Ran: {result}"))
    config = gateway_config(fake_anthropic.url, fake_openai.url)
    run = run_opencode(opencode_cli, config, tmp_path, provider, model)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Ran: fulcrum-opencode-ran" in run.stdout
    looped = [r.body for r in fake.requests if "bash" in json.dumps(r.body.get("tools"))]
    assert len(looped) == 2
    assert "fulcrum-opencode-ran\\n" in json.dumps(looped[1])  # the output came back as a result
    rows = [r for r in open_store(None).rows() if r.endpoint == endpoint]
    assert len(rows) >= 2 and all(r.status == 200 and r.stream for r in rows)
    assert all(r.input_tokens > 0 and r.output_tokens > 0 for r in rows)


@pytest.mark.opencode
def test_the_brain_reads_an_opencode_session(
    opencode_cli: list[str], fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """OpenCode's session header, its title agent and its main agent in its project: the
    title goes local (housekeeping), the main loop stays local by the project's rule (everything
    else says frontier), all in one session."""
    fake_openai.push(ToolCall("bash", ECHO, then="Ran: {result}"))
    config = brain_config(fake_anthropic.url, fake_openai.url, repo_stays_home("project"))
    run = run_opencode(opencode_cli, config, tmp_path, "anthropic", "claude-sonnet-4-6")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Ran: fulcrum-opencode-ran" in run.stdout and not fake_anthropic.requests
    rows = open_store(None).rows()
    features = {json.loads(r.decision or "{}")["features"]["kind"]: r for r in rows}
    assert set(features) == {"title", "main"} and {r.backend for r in rows} == {"local"}
    main = [r for r in rows if r.rule == "project-stays-home"]
    assert len(main) == 2 and all(json.loads(r.decision or "{}")["features"]["repo"] == "project"
                                  for r in main)  # fmt: skip
    assert len({r.session for r in rows}) == 1 and rows[0].session.startswith("ses_")


@pytest.mark.opencode
def test_opencodes_own_database_agrees_with_the_gateways_ledger(
    opencode_cli: list[str], fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """What OpenCode recorded of each call is what the gateway metered; its title call is the
    one call it does not record."""
    answer = Reply("Ran it.", input_tokens=1200, output_tokens=30, cache_read_tokens=800,
                   cache_write_tokens=100)  # fmt: skip
    fake_anthropic.push(ToolCall("bash", ECHO, then=answer))
    config = gateway_config(fake_anthropic.url, fake_openai.url)
    run = run_opencode(opencode_cli, config, tmp_path, "anthropic", "claude-sonnet-4-6")
    home = tmp_path / "home"
    assert run.returncode == 0, run.stderr[-2000:]
    data = {"XDG_DATA_HOME": opencode_env(home, tmp_path / "project")["XDG_DATA_HOME"]}
    summary = run_import("opencode", [], ImportContext(env=data, home=home))
    assert summary.records == 2 and summary.log.problems == []
    logged = [(r.input_tokens, r.cache_read_tokens, r.cache_write_tokens, r.output_tokens)
              for r in UsageStore().records()]  # fmt: skip
    metered = [(r.input_tokens, r.cache_read_tokens, r.cache_write_tokens, r.output_tokens)
               for r in open_store(None).rows()]  # fmt: skip
    assert (1200, 800, 100, 30) in logged and len(metered) == 3
    assert all(metered.count(t) >= logged.count(t) for t in logged)
    assert {r.project for r in UsageStore().records()} == {str(tmp_path / "project")}
    # usage reconcile --calls opencode: its calls pair with the ledger's by session and time
    assert run_import("ledger", [], ImportContext(env={}, home=home)).records == 3
    store = UsageStore()
    pairs, only_opencode, only_ledger = match(store.records(source="opencode"),
                                              store.records(source="ledger"))  # fmt: skip
    assert len(pairs) == 2 and only_opencode == [] and len(only_ledger) == 1  # the title call
    assert all(a.session == b.session and a.session.startswith("ses_") for a, b in pairs)
