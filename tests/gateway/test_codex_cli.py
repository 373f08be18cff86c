"""OpenAI's Codex CLI, the real one, on the gateway's ``/v1/responses``: a tool loop to both
backend formats, its tools offered to the model and its command's output sent back; and its
own session log, imported by ``fulcrum usage import --from codex``, against the ledger."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI, Reply, ToolCall
from fulcrum.ledger import open_store
from fulcrum.testing.codex import codex_env, codex_exec_argv, write_codex_config
from fulcrum.testing.fakesconfig import with_responses_backend
from fulcrum.testing.gateway import running_gateway
from fulcrum.usage.importing import run_import
from fulcrum.usage.records import ImportContext
from fulcrum.usage.store import UsageStore

from .brain.helpers import brain_config, repo_stays_home
from .helpers import gateway_config

PROMPT = "Run echo fulcrum-codex-ran and tell me what it printed."


def run_codex(
    codex_cli: list[str],
    config: str,
    home: Path,
    model: str,
    prompt: str,
    *,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """``codex exec`` through a gateway on ``config``, set up as ``fulcrum serve`` tells Codex
    users to, in ``cwd`` (default: ``home``); the gateway is stopped (its ledger flushed)."""
    with running_gateway(config) as gw:
        write_codex_config(home, gw.url)
        argv = codex_exec_argv(codex_cli, model, prompt)
        run = subprocess.run(argv, env=codex_env(home), cwd=cwd or home, capture_output=True,
                             text=True, timeout=120, check=False)  # fmt: skip
        gw.stop()
    return run


@pytest.mark.codex
@pytest.mark.parametrize("model", ["to-claude", "to-openai", "to-codex"])
def test_codex_runs_a_command_through_the_gateway(
    codex_cli: list[str],
    fake_anthropic: FakeAnthropic,
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    model: str,
) -> None:
    fake = fake_anthropic if model == "to-claude" else fake_openai
    fake.push(ToolCall("exec_command", {"cmd": "echo fulcrum-codex-ran"}, then="Ran: {result}"))
    config = with_responses_backend(fake_anthropic.url, fake_openai.url)
    run = run_codex(codex_cli, config, tmp_path, model, PROMPT)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Ran:" in run.stdout and "fulcrum-codex-ran" in run.stdout
    first, second = (json.dumps(r.body) for r in fake.requests[:2])
    assert "exec_command" in first
    # OpenAI's own tool goes to OpenAI's API as it came, and is dropped for any other
    assert ("web_search" in first) is (model == "to-codex")
    assert "fulcrum-codex-ran\\n" in second  # the command's output came back as its result
    rows = [r for r in open_store(None).rows() if r.endpoint == "/v1/responses"]
    assert len(rows) == 2 and all(r.status == 200 and r.stream for r in rows)
    assert all(r.input_tokens > 0 and r.output_tokens > 0 for r in rows)
    assert rows[0].session and {r.session for r in rows} == {rows[0].session}  # its Session-Id


@pytest.mark.codex
def test_codexs_own_log_agrees_with_the_gateways_ledger(
    codex_cli: list[str], tmp_path: Path
) -> None:
    """The real Codex CLI through the gateway: what it logged is what the gateway metered."""
    with FakeAnthropic() as claude, FakeOpenAI() as gpt:
        answer = Reply("Ran it.", input_tokens=1200, output_tokens=30, cache_read_tokens=800)
        claude.push(ToolCall("exec_command", {"cmd": "echo hi"}, then=answer))
        run = run_codex(codex_cli, gateway_config(claude.url, gpt.url), tmp_path, "to-claude",
                        "run echo hi")  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    summary = run_import(
        "codex", [], ImportContext(env={"CODEX_HOME": str(tmp_path)}, home=tmp_path)
    )
    assert summary.records == 2 and summary.log.problems == []
    logged = sorted((r.input_tokens, r.cache_read_tokens, r.output_tokens)
                    for r in UsageStore().records())  # fmt: skip
    metered = sorted((r.input_tokens, r.cache_read_tokens, r.output_tokens)
                     for r in open_store(None).rows())  # fmt: skip
    assert logged == metered and (1200, 800, 30) in logged


@pytest.mark.codex
def test_a_repository_rule_holds_for_a_codex_session(
    codex_cli: list[str], fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """The brain reads Codex's own requests: its identity is the main loop, its environment
    context names the repository, so a never-leaves rule on the repository keeps its whole
    tool loop local (everything else says frontier)."""
    fake_openai.push(ToolCall("exec_command", {"cmd": "echo stayed"}, then="Ran: {result}"))
    repo = tmp_path / "shop-api"
    repo.mkdir()
    config = brain_config(fake_anthropic.url, fake_openai.url, repo_stays_home("shop-api"))
    run = run_codex(codex_cli, config, tmp_path, "claude-sonnet-4-6", "Run echo stayed.", cwd=repo)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Ran:" in run.stdout and not fake_anthropic.requests
    rows = [r for r in open_store(None).rows() if r.endpoint == "/v1/responses"]
    assert len(rows) == 2 and {r.backend for r in rows} == {"local"}
    assert {r.rule for r in rows} == {"shop-api-stays-home"}
    features = [json.loads(r.decision or "{}")["features"] for r in rows]
    assert [(f["kind"], f["repo"], f["turn"]) for f in features] == [("main", "shop-api", 1)] * 2


HANDOFF_AFTER_FAILURES = """
[policy]
otherwise = "local"
[[policy.rules]]
name = "escalate-after-failures"
when = { kind = "main", tool_errors_min = 2 }
handoff = true
"""


def fail_twice(
    codex_cli: list[str], fakes: tuple[FakeOpenAI, FakeAnthropic], home: Path, command: str,
    answer: str,
) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """Codex asked to run ``command``: the local model runs it twice (it fails both times), the
    handoff rule moves the session, the frontier answers ``answer``."""
    local, frontier = fakes
    call = {"cmd": command}
    local.push(ToolCall("exec_command", call, then=ToolCall("exec_command", call)))
    frontier.push(Reply(answer))
    config = brain_config(frontier.url, local.url, HANDOFF_AFTER_FAILURES)
    run = run_codex(codex_cli, config, home, "claude-sonnet-4-6", f"Run {command}")
    assert run.returncode == 0, run.stderr[-3000:]
    assert answer in run.stdout
    return run


@pytest.mark.codex
def test_a_codex_session_hands_off_after_its_commands_fail(
    codex_cli: list[str], fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """Codex's failed commands (its tool output's non-zero exit code) count as tool failures in
    a row: after two, the handoff rule moves the session to the frontier, which finishes it."""
    fakes = (fake_openai, fake_anthropic)
    run = fail_twice(
        codex_cli, fakes, tmp_path, "ls /no-such-dir-here", "The directory does not exist."
    )
    assert "does not exist" in run.stdout
    rows = sorted((r for r in open_store(None).rows() if r.endpoint == "/v1/responses"),
                  key=lambda r: r.ts)  # fmt: skip
    assert [r.backend for r in rows] == ["local", "local", "frontier"]
    assert rows[-1].route_reason == "handoff:escalate-after-failures"
    features = [json.loads(r.decision or "{}")["features"] for r in rows]
    assert [f["tool_errors"] for f in features] == [0, 1, 2]
    assert len({r.session for r in rows}) == 1


@pytest.mark.codex
def test_a_codex_session_handed_off_reaches_the_frontier_condensed(
    codex_cli: list[str], fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """Its input items condensed at the move: Codex's opening messages whole, the first long
    failed run clipped in the summary, the last call and its output as Codex sent them."""
    fakes = (fake_openai, fake_anthropic)
    fail_twice(codex_cli, fakes, tmp_path, "seq 1 3000; exit 1", "The count ran, then it failed.")
    (moved,) = (r.body for r in fake_anthropic.requests if r.body and r.body.get("tools"))
    messages = moved["messages"]
    assert [m["role"] for m in messages][-2:] == ["assistant", "user"]  # the last call, paired
    opening = json.dumps(messages[:-2], ensure_ascii=False)
    assert "handed over to you from local" in opening and "Run seq 1 3000; exit 1" in opening
    assert "called exec_command" in opening and "characters…]" in opening
    rows = sorted((r for r in open_store(None).rows() if r.endpoint == "/v1/responses"),
                  key=lambda r: r.ts)  # fmt: skip
    move = json.loads(rows[-1].decision or "{}")
    assert rows[-1].route_reason == "handoff:escalate-after-failures"
    assert move["events"] == ["handoff", "condensed"]
    assert move["handoff"]["uncached_tokens"] < move["handoff"]["condensed_from_tokens"]


SUBAGENTS_LOCAL = """
[policy]
otherwise = "frontier"
[[policy.rules]]
name = "subagents-local"
when = { kind = "subagent" }
route = "local"
"""
SPAWN = "multi_agent_v1__spawn_agent"  # Codex's namespace tool, as Messages tools name it
TASK = "List the files here and report back"


@pytest.mark.codex
def test_a_codex_subagent_is_routed_on_its_own(
    codex_cli: list[str], fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    """The agent Codex's spawn_agent starts sends its requests in the parent's session with
    its own thread: the brain reads it as a subagent, on a lane of its own, so a rule sends it
    local while the main loop stays on the frontier."""
    wait = ToolCall("multi_agent_v1__wait_agent", {"targets": ["none"]}, then="Spawned.")
    fake_anthropic.push(ToolCall(SPAWN, {"message": TASK}, then=wait))
    fake_anthropic.push(Reply("Done."), times=3)  # the turn that reads the agent's notice
    fake_openai.push(Reply("3 files"))
    config = brain_config(fake_anthropic.url, fake_openai.url, SUBAGENTS_LOCAL)
    run = run_codex(
        codex_cli, config, tmp_path, "claude-sonnet-4-6", "Use a subagent to list files"
    )
    assert run.returncode == 0, run.stderr[-3000:]
    (sub,) = (r.body for r in fake_openai.requests)  # the subagent's one request, local
    assert sub is not None and TASK in json.dumps(sub["messages"][-1])
    rows = sorted((r for r in open_store(None).rows() if r.endpoint == "/v1/responses"),
                  key=lambda r: r.ts)  # fmt: skip
    decided = [(r.backend, json.loads(r.decision or "{}")) for r in rows]
    kinds = {(backend, d["features"]["kind"], d["reason"]) for backend, d in decided}
    assert kinds == {("frontier", "main", "otherwise"), ("frontier", "main", "sticky"),
                     ("local", "subagent", "rule:subagents-local")}  # fmt: skip
    lanes = {d["features"]["lane"] for _, d in decided}
    assert len(lanes) == 2 and "main" in lanes and len({r.session for r in rows}) == 1
