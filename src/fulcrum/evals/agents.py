"""Agents: who turns a spec's instruction into edited files.

Two kinds, in :data:`AGENT_KINDS`:

- ``builtin`` — a minimal agent: sends the instruction and the editable files to the model in
  the whole-file edit format (:mod:`fulcrum.evals.edits`), applies the reply, runs the hidden
  tests, and on failure feeds the test output back, up to ``tries`` times. An upstream error
  on any try ends the attempt without a verdict (recorded ``error``, retried on a rerun).
- ``command`` — any external agent by command template, run in the attempt's fresh copy under
  the sandbox with the endpoint pinned in its environment (``OPENAI_BASE_URL``,
  ``ANTHROPIC_BASE_URL``, ``FULCRUM_MODEL``, the session header ...). Placeholders:
  ``{instruction}`` (shell-quoted text), ``{instruction_file}``, ``{workdir}``, ``{model}``,
  ``{base_url}``.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fulcrum.errors import ConfigError, UpstreamError
from fulcrum.evals import edits
from fulcrum.evals.chat import Endpoint, complete
from fulcrum.evals.sandbox import Limits, run_sandboxed
from fulcrum.evals.spec import Spec
from fulcrum.evals.workspace import Verdict, read_editable

FEEDBACK_CHARS = 3000
AGENT_LIMITS = Limits(memory_mb=8192, cpu_s=1200, nproc=512, fsize_mb=256)
SYSTEM_PROMPT = "You are a careful software engineer who fixes and writes Python code.\n\n"


@dataclass(frozen=True, slots=True)
class Task:
    spec: Spec
    endpoint: Endpoint
    workdir: Path  # a fresh copy of the starting files
    test: Callable[[dict[str, str]], Verdict]  # runs the hidden tests on the editable files
    session: str


@dataclass(frozen=True, slots=True)
class AgentOutcome:
    verdict: Verdict | None
    tries: int
    input_tokens: int
    output_tokens: int
    error: str | None = None


class Agent(Protocol):
    name: str

    def solve(self, task: Task) -> AgentOutcome: ...


def first_prompt(spec: Spec, files: dict[str, str]) -> str:
    shown = edits.render(files) if files else "(no files yet)"
    return (
        f"## Task\n{spec.instruction}\n\n## Editable files\n{', '.join(spec.editable)}\n\n"
        f"## Current content\n{shown}\n\n{edits.FORMAT_HELP}"
    )


def feedback_prompt(verdict: Verdict) -> str:
    tail = verdict.output[-FEEDBACK_CHARS:]
    return (
        f"The tests failed ({verdict.stage} stage). Output:\n```\n{tail}\n```\n"
        "Fix the code. Answer again with the complete content of every file you change."
    )


# Context for a task's first prompt (the context tools: fulcrum.context.evalcontext).
ContextFn = Callable[[Task, dict[str, str]], str]


@dataclass(slots=True)
class BuiltinAgent:
    tries: int = 3
    name: str = "builtin"
    context: ContextFn | None = None  # ``--context``: retrieved code and installed APIs

    def solve(self, task: Task) -> AgentOutcome:
        files = task.spec.starting_files()
        prompt = first_prompt(task.spec, files)
        if self.context is not None:
            prompt += self.context(task, files)
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT + edits.FORMAT_HELP},
            {"role": "user", "content": prompt},
        ]
        tokens_in = tokens_out = 0
        verdict: Verdict | None = None
        for attempt in range(1, self.tries + 1):
            try:
                reply = complete(task.endpoint, messages, session=task.session)
            except UpstreamError as exc:
                # cut short: the model never had this try, so nothing is judged (retried)
                return AgentOutcome(None, attempt, tokens_in, tokens_out, exc.message)
            tokens_in += reply.input_tokens
            tokens_out += reply.output_tokens
            changed = edits.parse(reply.text)
            files.update({p: t for p, t in changed.items() if p in task.spec.editable})
            verdict = task.test(files)
            if verdict.passed:
                return AgentOutcome(verdict, attempt, tokens_in, tokens_out)
            messages += [
                {"role": "assistant", "content": reply.text},
                {"role": "user", "content": feedback_prompt(verdict)},
            ]
        return AgentOutcome(verdict, self.tries, tokens_in, tokens_out)


def agent_env(endpoint: Endpoint, session: str) -> dict[str, str]:
    """The environment that pins an external agent to the endpoint, model and eval session.

    ``ANTHROPIC_CUSTOM_HEADERS`` makes Claude Code send ``X-Fulcrum-Session``, so the gateway
    meters its calls under the attempt's session.
    """
    base = endpoint.base_url.rstrip("/")
    root = base[: -len("/v1")] if base.endswith("/v1") else base
    return {
        "OPENAI_BASE_URL": base,
        "OPENAI_API_BASE": base,
        "OPENAI_API_KEY": endpoint.api_key,
        "ANTHROPIC_BASE_URL": root,
        "ANTHROPIC_API_KEY": endpoint.api_key,
        "ANTHROPIC_MODEL": endpoint.model,
        "FULCRUM_BASE_URL": base,
        "FULCRUM_MODEL": endpoint.model,
        "FULCRUM_SESSION": session,
        "ANTHROPIC_CUSTOM_HEADERS": f"X-Fulcrum-Session: {session}",
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }


@dataclass(slots=True)
class CommandAgent:
    template: str
    timeout_s: float = 600.0
    limits: Limits = AGENT_LIMITS
    name: str = "command"

    def command(self, task: Task, instruction_file: Path) -> str:
        try:
            return self.template.format(
                instruction=shlex.quote(task.spec.instruction),
                instruction_file=shlex.quote(str(instruction_file)),
                workdir=shlex.quote(str(task.workdir)),
                model=shlex.quote(task.endpoint.model),
                base_url=shlex.quote(task.endpoint.base_url),
            )
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"bad placeholder {exc}; accepted: {{instruction}}, {{instruction_file}}, "
                "{workdir}, {model}, {base_url}",
                field="--agent-cmd",
            ) from exc

    def solve(self, task: Task) -> AgentOutcome:
        instruction_file = task.workdir / ".fulcrum-instruction.md"
        instruction_file.write_text(task.spec.instruction + "\n", encoding="utf-8")
        done = run_sandboxed(
            self.command(task, instruction_file), task.workdir, timeout_s=self.timeout_s,
            limits=self.limits, network=True, env=agent_env(task.endpoint, task.session),
        )  # fmt: skip
        verdict = task.test(read_editable(task.spec, task.workdir))
        error = None if done.ok else f"agent exited {done.returncode}: {done.output[-500:]}"
        return AgentOutcome(verdict, 1, 0, 0, None if verdict.passed else error)


AGENT_KINDS: dict[str, Callable[..., Agent]] = {"builtin": BuiltinAgent, "command": CommandAgent}
