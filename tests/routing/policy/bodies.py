"""Request bodies shaped like the ones Claude Code 2.1 sends (only short marker sentences of
its prompts are quoted; the rest is filler of a realistic size)."""

from __future__ import annotations

from typing import Any

IDENTITY = "You are Claude Code, Anthropic's official CLI for Claude."
SUBAGENT = (
    "You are an agent for Claude Code, Anthropic's official CLI for Claude. Given the user's "
    "message, you should use the tools available to complete the task."
)
SUBAGENT_NOTES = (
    "Notes:\n- Agent threads always have their cwd reset between bash calls, as a result "
    "please only use absolute file paths."
)
TITLE = "You are naming a coding session so the user can pick it out of a long list of sessions."
COMPACT = (
    "Your task is to create a detailed summary of the conversation so far, paying close "
    "attention to the user's explicit requests and your previous actions."
)
REMINDER = "<system-reminder>\nAs you answer the user's questions, you can use this context.\n"


def env_block(cwd: str = "/home/ana/src/shop-api") -> str:
    return (
        "# Environment\nYou have been invoked in the following environment: \n"
        f" - Primary working directory: {cwd}\n - Is a git repository: true\n"
        " - Platform: linux\n - Shell: bash\n - OS Version: Linux 6.8.0\n"
    )


def system(*texts: str, cwd: str = "/home/ana/src/shop-api") -> list[dict[str, Any]]:
    filler = "Follow the repository's conventions. Prefer editing files to creating them. " * 60
    return [
        {"type": "text", "text": IDENTITY, "cache_control": {"type": "ephemeral"}},
        *({"type": "text", "text": t} for t in texts),
        {"type": "text", "text": filler + "\n" + env_block(cwd)},
    ]


def tools(n: int = 20) -> list[dict[str, Any]]:
    schema = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The command to run. " * 20},
            "timeout": {"type": "number", "description": "Optional timeout in ms."},
        },
        "required": ["command"],
        "additionalProperties": False,
    }
    return [
        {
            "name": f"Tool{i}",
            "description": "Runs a thing for the agent. " * 40,
            "input_schema": schema,
        }
        for i in range(n)
    ]


def user(*texts: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": t} for t in texts]}


def tool_use(i: int) -> dict[str, Any]:
    call = {
        "type": "tool_use",
        "id": f"toolu_{i:04d}",
        "name": "Tool0",
        "input": {"command": "pytest -q"},
    }
    return {"role": "assistant", "content": [{"type": "text", "text": "Running the tests."}, call]}


def tool_result(i: int, text: str, *, error: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "tool_result",
        "tool_use_id": f"toolu_{i:04d}",
        "content": text,
    }
    if error:
        block["is_error"] = True
    return {"role": "user", "content": [block]}


def main_body(messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 32000,
        "stream": True,
        "system": system(),
        "tools": tools(),
        "messages": messages,
        "metadata": {"user_id": '{"session_id": "5b3c0d2e-0000-4000-8000-000000000001"}'},
        **extra,
    }


def first_turn(text: str = "Add pagination to the orders endpoint") -> dict[str, Any]:
    return main_body([user(REMINDER + "# claudeMd\nUse pytest.\n</system-reminder>", text)])


def tool_loop(errors: int, *, ok_before: int = 2) -> dict[str, Any]:
    """A first turn, then ``ok_before`` good tool calls, then ``errors`` failed ones."""
    messages = [user("Fix the failing test in tests/test_orders.py")]
    for i in range(ok_before + errors):
        messages.append(tool_use(i))
        failed = i >= ok_before
        text = "<tool_use_error>Exit code 1</tool_use_error>" if failed else "3 passed"
        messages.append(tool_result(i, text, error=failed))
    return main_body(messages)


def subagent_body() -> dict[str, Any]:
    body = main_body([user("Find every caller of parse_order and list their files.")])
    body["system"] = system(SUBAGENT + "\n\n" + SUBAGENT_NOTES)
    return body


def title_body() -> dict[str, Any]:
    return {
        "model": "claude-haiku-4-5",
        "max_tokens": 512,
        "system": [{"type": "text", "text": IDENTITY}, {"type": "text", "text": TITLE}],
        "messages": [user("<session>\nAdd pagination to the orders endpoint\n</session>")],
    }


def compaction_body() -> dict[str, Any]:
    messages = tool_loop(0)["messages"]
    messages.append({"role": "assistant", "content": [{"type": "text", "text": "Done."}]})
    messages.append(user(COMPACT))
    body = main_body(messages)
    body["system"] = [
        {
            "type": "text",
            "text": "You are a helpful AI assistant tasked with summarizing conversations.",
        }
    ]
    body.pop("tools")
    return body


def big_session(messages: int = 40, tools_n: int = 20, file_kb: int = 5) -> dict[str, Any]:
    """A long main-loop session: ``messages`` messages, ``tools_n`` tools, each tool result a
    source file of about ``file_kb`` KB (the shape of a real Read/Bash loop)."""
    line = "    result = compute_total(order.items, discount=order.discount)  # keep in sync\n"
    content = line * (file_kb * 1024 // len(line))
    convo = [
        user(REMINDER + "# claudeMd\nUse pytest.\n</system-reminder>", "Refactor the order totals")
    ]
    i = 0
    while len(convo) < messages - 1:
        convo.append(tool_use(i))
        convo.append(tool_result(i, content))
        i += 1
    body = main_body(convo)
    body["tools"] = tools(tools_n)
    return body
