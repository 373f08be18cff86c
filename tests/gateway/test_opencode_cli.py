"""The OpenCode CLI, the real one, through the gateway with each of its provider kinds:
Anthropic's (Messages), OpenAI's (the Responses API) and an OpenAI-compatible server (Chat
Completions, as a local model is declared). A tool loop each: the tool offered to the model,
the command run, its output sent back, every call metered."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, ToolCall
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import running_gateway
from fulcrum.testing.opencode import (
    COMPATIBLE,
    opencode_env,
    opencode_run_argv,
    write_opencode_config,
)

from .brain.helpers import brain_config
from .helpers import gateway_config

PROMPT = "Run echo fulcrum-opencode-ran and tell me what it printed."
ECHO = {"command": "echo fulcrum-opencode-ran", "description": "Print a marker"}


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
    project = tmp_path / "project"
    project.mkdir()
    with running_gateway(gateway_config(fake_anthropic.url, fake_openai.url)) as gw:
        write_opencode_config(project, gw.url, provider, model)  # what `fulcrum serve` prints
        argv = opencode_run_argv(opencode_cli, provider, model, PROMPT)
        run = subprocess.run(argv, env=opencode_env(tmp_path / "home", project), cwd=project,
                             capture_output=True, text=True, timeout=180, check=False)  # fmt: skip
        gw.stop()
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Ran: fulcrum-opencode-ran" in run.stdout
    looped = [r.body for r in fake.requests if "bash" in json.dumps(r.body.get("tools"))]
    assert len(looped) == 2
    assert "fulcrum-opencode-ran\\n" in json.dumps(looped[1])  # the output came back as a result
    rows = [r for r in open_store(None).rows() if r.endpoint == endpoint]
    assert len(rows) >= 2 and all(r.status == 200 and r.stream for r in rows)
    assert all(r.input_tokens > 0 and r.output_tokens > 0 for r in rows)


PROJECT_STAYS_HOME = """
[policy]
otherwise = "frontier"
[[policy.rules]]
name = "project-stays-home"
when = { repo = "project", kind = "main" }
never_leaves = true
"""


@pytest.mark.opencode
def test_the_brain_reads_an_opencode_session(
    opencode_cli: list[str], fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """OpenCode's session header, its title agent and its main agent in its project: the
    title goes local (housekeeping), the main loop stays local by the project's rule (everything
    else says frontier), all in one session."""
    fake_openai.push(ToolCall("bash", ECHO, then="Ran: {result}"))
    project = tmp_path / "project"
    project.mkdir()
    with running_gateway(
        brain_config(fake_anthropic.url, fake_openai.url, PROJECT_STAYS_HOME)
    ) as gw:
        write_opencode_config(project, gw.url, "anthropic", "claude-sonnet-4-6")
        argv = opencode_run_argv(opencode_cli, "anthropic", "claude-sonnet-4-6", PROMPT)
        run = subprocess.run(argv, env=opencode_env(tmp_path / "home", project), cwd=project,
                             capture_output=True, text=True, timeout=180, check=False)  # fmt: skip
        gw.stop()
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Ran: fulcrum-opencode-ran" in run.stdout and not fake_anthropic.requests
    rows = open_store(None).rows()
    features = {json.loads(r.decision or "{}")["features"]["kind"]: r for r in rows}
    assert set(features) == {"title", "main"} and {r.backend for r in rows} == {"local"}
    main = [r for r in rows if r.rule == "project-stays-home"]
    assert len(main) == 2 and all(json.loads(r.decision or "{}")["features"]["repo"] == "project"
                                  for r in main)  # fmt: skip
    assert len({r.session for r in rows}) == 1 and rows[0].session.startswith("ses_")
