"""Features of requests shaped like the Codex CLI's (its Responses body, read as routing reads
it; only short marker sentences quoted)."""

from __future__ import annotations

from typing import Any

import pytest

from fulcrum.gateway.brainroute import lane
from fulcrum.gateway.upstream.formats import RESPONSES
from fulcrum.routing.codex import environment_cwd, failed_command
from fulcrum.routing.features import RequestFeatures, extract_features
from fulcrum.routing.request import route_request_from_openai

IDENTITY = "You are a coding agent running in the Codex CLI, a terminal-based coding assistant."
COMPACT = "You are performing a CONTEXT CHECKPOINT COMPACTION. Create a handoff summary."
TOOLS = [{"type": "function", "name": "exec_command", "parameters": {"type": "object"}}]


def context(cwd: str) -> str:
    return (
        f"<environment_context>\n  <cwd>{cwd}</cwd>\n  <shell>bash</shell>\n</environment_context>"
    )


def said(role: str, text: str) -> dict[str, Any]:
    part = "output_text" if role == "assistant" else "input_text"
    return {"type": "message", "role": role, "content": [{"type": part, "text": text}]}


def codex_body(*items: dict[str, Any], identity: str = IDENTITY, tools: bool = True) -> dict:
    body = {"model": "gpt-5.1-codex", "stream": True, "store": False,
            "input": [said("developer", identity), said("user", context("/home/ana/shop-api")),
                      *items]}  # fmt: skip
    return {**body, "tools": TOOLS} if tools else body


def features(body: dict[str, Any], headers: dict[str, str] | None = None) -> RequestFeatures:
    view = RESPONSES.routing_view(body)
    req = route_request_from_openai(view, {"user-agent": "codex_exec/0.171.0", **(headers or {})})
    return extract_features(req, view)


def test_a_codex_turn_is_the_main_loop_in_its_repository() -> None:
    f = features(codex_body(said("user", "Add pagination")))
    assert (f.kind, f.cwd, f.repo) == ("main", "/home/ana/shop-api", "shop-api")
    assert (f.turn, f.text) == (1, "Add pagination")  # the environment context is no turn
    call = {"type": "function_call", "call_id": "c1", "name": "exec_command", "arguments": "{}"}
    output = {"type": "function_call_output", "call_id": "c1", "output": "ok"}
    loop = codex_body(said("user", "Add pagination"), call, output)
    assert (features(loop).kind, features(loop).turn) == ("main", 1)


def test_the_latest_environment_context_is_in_force() -> None:
    moved = codex_body(
        said("user", "Add pagination"),
        said("assistant", "Done."),
        said("user", context("/home/ana/billing")),
        said("user", "Now tests"),
    )
    f = features(moved)
    assert (f.repo, f.turn, f.text) == ("billing", 2, "Now tests")


def test_compaction_and_tool_free_calls() -> None:
    assert features(codex_body(said("user", "Fix it"), said("user", COMPACT))).kind == "compaction"
    assert features(codex_body(said("user", "Name it"), tools=False)).kind == "background"
    other = codex_body(said("user", "hi"), identity="You are a helpful assistant.")
    assert features(other).kind == "other"
    later = codex_body(said("user", "hi"), identity="You are Codex, an agent based on GPT-5.")
    assert features(later).kind == "main"


def test_a_codex_subagent_is_a_subagent_on_a_lane_of_its_own_thread() -> None:
    """Codex's sub-agents (its spawn_agent's, its reviewer) name themselves in a header and
    each runs on its own thread of the parent's session: their opening messages are alike."""
    body = codex_body(said("user", "List the files"))
    subs = [{"x-openai-subagent": "collab_spawn", "thread-id": t, "session-id": "S"}
            for t in ("t1", "t2")]  # fmt: skip
    one, two = (features(body, h) for h in subs)
    assert (one.kind, two.kind) == ("subagent", "subagent")
    assert lane(one, RESPONSES.routing_view(body)).startswith("sub:")
    assert len({lane(f, RESPONSES.routing_view(body)) for f in (one, two)}) == 2
    main = features(body, {"thread-id": "t0", "session-id": "S"})
    assert (main.kind, lane(main, RESPONSES.routing_view(body))) == ("main", "main")
    compacting = features(codex_body(said("user", COMPACT)), subs[0])
    assert compacting.kind == "compaction"  # a compaction says so whoever sends it


@pytest.mark.parametrize(
    ("told", "kind", "lane_of"),
    [
        ("collab_spawn", "subagent", "sub:"),  # an agent its spawn_agent tool started
        ("review", "subagent", "sub:"),  # its reviewer
        ("my-own-agent", "subagent", "sub:"),  # a label of the client's own
        (" Compact ", "compaction", "main"),  # its compaction sub-agent
        ("memory_consolidation", "background", "background"),  # housekeeping
    ],
)
def test_the_subagent_header_tells_the_kind(told: str, kind: str, lane_of: str) -> None:
    """x-openai-subagent names the sub-agent (Codex's SubAgentSource): most are sub-agent
    conversations, its compaction and memory consolidation are not."""
    body = codex_body(said("user", "List the files"))
    got = features(body, {"x-openai-subagent": told, "thread-id": "t9", "session-id": "S"})
    assert got.kind == kind
    assert lane(got, RESPONSES.routing_view(body)).startswith(lane_of)


def test_a_cwd_is_read_only_from_an_environment_context() -> None:
    assert environment_cwd(["<cwd>/etc</cwd>", context("/srv/app")]) == "/srv/app"
    assert environment_cwd(["<environment_context><shell>bash</shell>"]) is None
    assert environment_cwd(["<environment_context><cwd>  </cwd>"]) is None
    assert environment_cwd([]) is None


def ran(call_id: str, code: int) -> list[dict[str, Any]]:
    """A command Codex ran for the model: the call, and its output with the exit code."""
    output = (f"Chunk ID: c6d8e1\nWall time: 0.0000 seconds\nProcess exited with code {code}\n"
              "Original token count: 16\nOutput:\nls: cannot access 'x'\n")  # fmt: skip
    return [{"type": "function_call", "call_id": call_id, "name": "exec_command",
             "arguments": "{}"},
            {"type": "function_call_output", "call_id": call_id, "output": output}]  # fmt: skip


def test_failed_commands_in_a_row_are_tool_errors() -> None:
    asked = said("user", "List x")
    assert features(codex_body(asked, *ran("a", 2), *ran("b", 1))).tool_errors == 2
    assert features(codex_body(asked, *ran("a", 2), *ran("b", 0))).tool_errors == 0
    assert features(codex_body(asked, *ran("a", 0), *ran("b", 127))).tool_errors == 1
    plain = [{"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
             {"type": "function_call_output", "call_id": "c", "output": "nothing"}]  # fmt: skip
    assert features(codex_body(asked, *ran("a", 2), *plain)).tool_errors == 0


def test_only_an_exit_line_in_the_header_is_read() -> None:
    assert failed_command("Process exited with code -1\nOutput:\n")
    assert not failed_command("Process exited with code 0\n")
    assert not failed_command("Output:\n" + "x" * 300 + "\nProcess exited with code 1\n")
    assert not failed_command("the process exited with code 1")
