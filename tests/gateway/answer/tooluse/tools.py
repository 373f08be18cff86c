"""Claude Code-like tool declarations and response builders shared by the tool-use tests."""

from __future__ import annotations

from typing import Any

BASH: dict[str, Any] = {
    "name": "Bash",
    "description": "Run a shell command",
    "input_schema": {
        "type": "object",
        "properties": {
            "command": {"type": "string"},
            "timeout": {"type": "number", "maximum": 600000},
            "description": {"type": "string"},
        },
        "required": ["command"],
        "additionalProperties": False,
    },
}
READ: dict[str, Any] = {
    "name": "Read",
    "description": "Read a file",
    "input_schema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "file_path": {"type": "string"},
            "offset": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
        },
        "required": ["file_path"],
    },
}
EDIT: dict[str, Any] = {
    "name": "Edit",
    "input_schema": {
        "type": "object",
        "properties": {
            "file_path": {"type": "string"},
            "old_string": {"type": "string"},
            "new_string": {"type": "string"},
            "replace_all": {"type": "boolean", "default": False},
        },
        "required": ["file_path", "old_string", "new_string"],
    },
}
TOOLS = [BASH, READ, EDIT]


def text_response(text: str, stop_reason: str = "end_turn") -> dict[str, Any]:
    return {
        "id": "msg_local_1",
        "type": "message",
        "role": "assistant",
        "model": "qwen2.5-coder-7b",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 900, "output_tokens": 40},
    }


def tool_response(*calls: tuple[str, Any], text: str | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    for n, (name, args) in enumerate(calls):
        content.append({"type": "tool_use", "id": f"toolu_{n:02d}", "name": name, "input": args})
    body = text_response("")
    body["content"] = content
    body["stop_reason"] = "tool_use"
    return body


def request(**extra: Any) -> dict[str, Any]:
    return {
        "model": "qwen2.5-coder-7b",
        "max_tokens": 4096,
        "system": [{"type": "text", "text": "You are a coding agent."}],
        "tools": TOOLS,
        "messages": [{"role": "user", "content": "How many Python files are in src?"}],
        **extra,
    }
