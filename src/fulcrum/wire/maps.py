"""Small shared tables of the translation: stop reasons, tool choice, ids, errors."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

# OpenAI chat roles whose content is the system prompt (Anthropic's ``system``)
SYSTEM_ROLES = ("system", "developer")

OPENAI_TO_ANTHROPIC_STOP: dict[str, str] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}
ANTHROPIC_TO_OPENAI_STOP: dict[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

# error ``type`` by HTTP status, for bodies that arrive without a usable one
ANTHROPIC_ERROR_BY_STATUS: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
OPENAI_ERROR_BY_STATUS: dict[int, str] = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
}


def content_text(content: Any, sep: str = "\n\n", *, blank: bool = False) -> str:
    """A message content's text: a string as it is, else the ``text`` strings of its blocks
    (or parts) joined by ``sep``, blank ones left out unless ``blank``."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts = [p.get("text") for p in content if isinstance(p, Mapping)]
    return sep.join(t for t in texts if isinstance(t, str) and (blank or t.strip()))


def new_id(prefix: str) -> str:
    """A provider-looking id: ``msg_…``, ``toolu_…``, ``chatcmpl-…``, ``call_…``, ``req_…``."""
    return prefix + secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")


_NOT_IN_TOOL_ID = re.compile(r"[^a-zA-Z0-9_-]")


def anthropic_tool_id(raw: Any) -> str:
    """A tool call id as the Messages API accepts it (``^[a-zA-Z0-9_-]+$``).

    OpenAI-format servers use other characters (vLLM and Ollama: ``functions.name:0``);
    each one becomes ``_``, the same way every time, so a call and its result stay paired.
    An id that is not a non-empty string gets a fresh ``toolu_`` id.
    """
    if not isinstance(raw, str) or not raw:
        return new_id("toolu_")
    return _NOT_IN_TOOL_ID.sub("_", raw)


# OpenAI-format finish reasons of a generation the server gave up on (vLLM's ``abort``: the
# request was aborted or preempted; ``error``: the engine failed): what came is unfinished.
UNFINISHED_STOPS = ("abort", "error")


class UnfinishedAnswer(ValueError):
    """An OpenAI-format answer the server ended unfinished (:data:`UNFINISHED_STOPS`):
    Messages has no stop reason that says so, so it is an error, never ``end_turn``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the server ended the generation unfinished (finish_reason {reason!r})")


def check_finished(openai_reason: Any) -> None:
    """Raise :class:`UnfinishedAnswer` for a finish reason of :data:`UNFINISHED_STOPS`."""
    if openai_reason in UNFINISHED_STOPS:
        raise UnfinishedAnswer(openai_reason)


def openai_stop(anthropic_reason: Any) -> str:
    if not isinstance(anthropic_reason, str):
        return "stop"
    return ANTHROPIC_TO_OPENAI_STOP.get(anthropic_reason, "stop")


def anthropic_stop(openai_reason: Any) -> str:
    if not isinstance(openai_reason, str):
        return "end_turn"
    return OPENAI_TO_ANTHROPIC_STOP.get(openai_reason, "end_turn")


def anthropic_error_type(status: int) -> str:
    if status in ANTHROPIC_ERROR_BY_STATUS:
        return ANTHROPIC_ERROR_BY_STATUS[status]
    return "invalid_request_error" if 400 <= status < 500 else "api_error"


def openai_error_type(status: int) -> str:
    if status in OPENAI_ERROR_BY_STATUS:
        return OPENAI_ERROR_BY_STATUS[status]
    return "invalid_request_error" if 400 <= status < 500 else "server_error"


def error_message(body: Any) -> str:
    """The human message of an error body in either format (or of raw text)."""
    if isinstance(body, (bytes, bytearray)):
        try:
            body = json.loads(body)
        except ValueError:
            return body.decode("utf-8", errors="replace")[:500] or "upstream error"
    if isinstance(body, str):
        return body[:500] or "upstream error"
    if isinstance(body, Mapping):
        err = body.get("error")
        if isinstance(err, Mapping) and isinstance(err.get("message"), str):
            return str(err["message"])
        if isinstance(err, str):
            return err
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return "upstream error"


def openai_error_to_anthropic(status: int, body: Any) -> dict[str, Any]:
    """An OpenAI-format error (any status, any body) as an Anthropic error body."""
    return {
        "type": "error",
        "error": {"type": anthropic_error_type(status), "message": error_message(body)},
    }


def anthropic_error_to_openai(status: int, body: Any) -> dict[str, Any]:
    """An Anthropic-format error (any status, any body) as an OpenAI error body."""
    code = "rate_limit_exceeded" if status == 429 else None
    return {
        "error": {
            "message": error_message(body),
            "type": openai_error_type(status),
            "param": None,
            "code": code,
        }
    }


def tool_choice_to_openai(choice: Any) -> Any:
    """Anthropic ``tool_choice`` → OpenAI; None means "leave it out"."""
    if not isinstance(choice, Mapping):
        return None
    kind = choice.get("type")
    if kind == "tool" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    return {"auto": "auto", "any": "required", "none": "none"}.get(str(kind))  # str: hashable


def tool_choice_to_anthropic(choice: Any, parallel: Any = None) -> dict[str, Any] | None:
    """OpenAI ``tool_choice`` (+ ``parallel_tool_calls``) → Anthropic; None: leave out."""
    result: dict[str, Any] | None = None
    if isinstance(choice, str):
        kind = {"auto": "auto", "required": "any", "none": "none"}.get(choice)
        result = {"type": kind} if kind else None
    elif isinstance(choice, Mapping):
        fn = choice.get("function")
        if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
            result = {"type": "tool", "name": fn["name"]}
    if parallel is False:
        result = result or {"type": "auto"}
        if result["type"] != "none":
            result["disable_parallel_tool_use"] = True
    return result


def parse_arguments(raw: Any) -> dict[str, Any]:
    """OpenAI function arguments (a JSON string) as a tool input object."""
    if isinstance(raw, Mapping):
        return dict(raw)
    if not isinstance(raw, str) or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {"arguments": raw}
    return value if isinstance(value, dict) else {"arguments": raw}


def tool_input_json(arguments: str) -> str:
    """OpenAI function arguments as the JSON text of a tool input object: as sent when they
    are one, else wrapped as a whole answer's are (:func:`parse_arguments`)."""
    try:
        value = json.loads(arguments)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return arguments
    return json.dumps(parse_arguments(arguments), separators=(",", ":"))
