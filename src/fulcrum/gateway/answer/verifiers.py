"""The cascade's verifiers: cheap checks of a local answer before the client gets it.

A verifier is registered under a name a rule's ``verify`` may list
(``fulcrum.routing.policy.rules.VERIFIERS`` holds the same names, checked at start-up):

- ``tools``: every ``tool_use`` block names a declared tool and its input validates against
  that tool's ``input_schema`` (OpenAI ``parameters``), and a forced ``tool_choice`` was obeyed
  (the tool-use review's own checks, run on the answer it returned after its repair and retry);
- ``json_schema``: the answer's text parses as JSON and validates against the schema the client
  asked for: OpenAI ``response_format: {type: json_schema, json_schema: {schema}}``, OpenAI
  Responses ``text: {format: {type: json_schema, schema}}``, or
  Anthropic ``output_format: {type: json_schema, schema}`` /
  ``output_config: {format: {type: json_schema, schema}}``. A turn that calls a tool is not
  the final answer and is not checked.

Each works on the client's body (either API) and the answer as an Anthropic message (the hub);
it returns its findings, empty when the answer passes. No I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fulcrum.gateway.answer.tooluse import (
    needs_tool_checks,
    tool_choice_violation,
    validate_tool_input,
    validate_tool_uses,
)
from fulcrum.gateway.answer.tooluse.schema import tool_use_blocks
from fulcrum.wire.outputformat import read_anthropic, read_chat, read_responses

Body = Mapping[str, Any]
_MAX_PROBLEM = 300


@dataclass(frozen=True, slots=True)
class Finding:
    """Why the answer failed one check (``tool``: the tool call at fault, when one is)."""

    check: str
    problem: str
    tool: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "tool": self.tool, "problem": self.problem[:_MAX_PROBLEM]}

    def summary(self) -> str:
        on = f" ({self.tool})" if self.tool else ""
        return f"{self.check}{on}: {self.problem}"[:_MAX_PROBLEM]


@dataclass(frozen=True, slots=True)
class Verifier:
    applies: Callable[[Body], bool]  # the client's body
    # (the client's body, the request as hub, the answer as hub) -> findings
    check: Callable[[Body, Body, Body], list[Finding]]


VERIFIERS: dict[str, Verifier] = {}


def register(name: str, verifier: Verifier) -> Verifier:
    VERIFIERS[name] = verifier
    return verifier


def verify(
    names: Sequence[str], body: Body, hub_request: Body, message: Body
) -> tuple[tuple[str, ...], list[Finding]]:
    """The checks run (those of ``names`` that apply; no names: every one that applies) and
    their findings."""
    wanted = names or tuple(VERIFIERS)
    run = tuple(n for n in wanted if VERIFIERS[n].applies(body))
    findings = [f for n in run for f in VERIFIERS[n].check(body, hub_request, message)]
    return run, findings


def _tool_findings(body: Body, hub_request: Body, message: Body) -> list[Finding]:
    tools = hub_request.get("tools")
    errors = validate_tool_uses(message, tools if isinstance(tools, list) else [])
    violation = tool_choice_violation(hub_request, message)
    if violation is not None:
        errors.append(violation)
    return [Finding("tools", "; ".join(e.problems), e.tool) for e in errors]


def json_schema_of(body: Body) -> Mapping[str, Any] | None:
    """The JSON schema the client asked the answer to follow, in any API; None: none."""
    for read in (read_chat, read_anthropic, read_responses):
        fmt = read(body)
        if fmt is not None and fmt.schema is not None:
            return fmt.schema
    return None


def _json_findings(body: Body, hub_request: Body, message: Body) -> list[Finding]:
    schema = json_schema_of(body)
    if schema is None or tool_use_blocks(message):
        return []
    content = message.get("content")
    blocks = content if isinstance(content, list) else []
    text = "".join(
        str(b.get("text", "")) for b in blocks if isinstance(b, Mapping) and b.get("type") == "text"
    )
    try:
        value = json.loads(text)
    except ValueError as exc:
        return [Finding("json_schema", f"the answer is not JSON ({exc})")]
    return [Finding("json_schema", p) for p in validate_tool_input(schema, value)]


register("tools", Verifier(applies=needs_tool_checks, check=_tool_findings))
register("json_schema", Verifier(applies=lambda b: json_schema_of(b) is not None,
                                 check=_json_findings))  # fmt: skip
