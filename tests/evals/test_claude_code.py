"""An external agent: the real Claude Code CLI, pinned to the gateway by the command agent."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from fulcrum.evals.agents import CommandAgent
from fulcrum.evals.chat import Endpoint
from fulcrum.evals.runner import RunPlan, run_plan
from fulcrum.evals.spec import load_suite
from fulcrum.evals.store import EvalStore
from fulcrum.fakes import FakeAnthropic
from fulcrum.fakes.script import ToolCall
from fulcrum.settings import Paths
from fulcrum.testing.gateway import running_gateway

from .helpers import make_spec

pytestmark = pytest.mark.claude_code

GOOD = "def answer():\n    return 42\n"
CHECK = "from mod import answer\n\n\ndef test_answer():\n    assert answer() == 42\n"
GATEWAY = """
[backends.claude]
format = "anthropic"
base_url = "{url}"
kind = "api"
provider = "anthropic"
models = ["claude-sonnet-4-6", "claude-haiku-4-5"]

[routes]
default = "claude"
"""


def test_claude_code_solves_a_spec_through_the_gateway(
    tmp_path: Path, claude_cli: list[str]
) -> None:
    make_spec(tmp_path / "suite", "fix-answer", start="def answer():\n    return 0\n",
              solution=GOOD, test=CHECK)  # fmt: skip
    specs = load_suite(tmp_path / "suite")
    write = "printf 'def answer():\\n    return 42\\n' > mod.py"
    template = " ".join(shlex.quote(a) for a in claude_cli)
    template += " -p {instruction} --model {model} --allowedTools Bash"
    store = EvalStore(Paths.build().ledger_sqlite)
    with FakeAnthropic() as fake:
        fake.push(ToolCall("Bash", {"command": write, "description": "fix"}, then="Fixed."))
        with running_gateway(GATEWAY.format(url=fake.url)) as gw:
            endpoint = Endpoint(gw.openai_base_url, "claude-sonnet-4-6")
            plan = RunPlan("claude", specs, [endpoint], CommandAgent(template, timeout_s=120))
            run_plan(plan, store, suite="s", progress=False)
    [record] = store.attempts("claude")
    costs = store.ledger_costs("claude")
    store.close()
    assert record.passed, (record.error, record.output_tail)
    assert record.status == "passed"
    # the CLI's calls were metered under the attempt's session (its tool call and the answer)
    [(_, calls)] = costs.values()
    assert calls >= 2
    assert any("tool_result" in str(r.body) for r in fake.requests)
