"""Request-body checks: malformed JSON and wrong types become one error naming the field.

Only the fields the gateway itself relies on are checked (model, messages, stream,
max_tokens, tools, system); everything else is passed through to the backend, which is the
authority on its own parameters. Unknown fields are never a crash.
"""

from __future__ import annotations

import json
from typing import Any

from fulcrum.errors import InvalidRequest

Body = dict[str, Any]


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def parse_object(raw: bytes) -> Body:
    """The JSON object in ``raw``, or InvalidRequest saying what is wrong."""
    if not raw:
        raise InvalidRequest("request body is empty; expected a JSON object")
    try:
        body = json.loads(raw)
    except UnicodeDecodeError:
        raise InvalidRequest("request body is not UTF-8 text; expected a JSON object") from None
    except ValueError as exc:
        raise InvalidRequest(f"request body is not valid JSON ({exc})") from None
    except RecursionError:
        raise InvalidRequest("request body is nested too deeply to parse") from None
    if not isinstance(body, dict):
        raise InvalidRequest(f"request body must be a JSON object, got {_type_name(body)}")
    return body


def _expect(ok: bool, field: str, accepted: str, value: Any) -> None:
    if not ok:
        raise InvalidRequest(f"{field}: expected {accepted}, got {_type_name(value)}", param=field)


def _model(body: Body) -> None:
    model = body.get("model")
    _expect(isinstance(model, str) and bool(model), "model", "a non-empty string", model)


def _optional(body: Body, field: str, types: type | tuple[type, ...], accepted: str) -> None:
    if field in body and body[field] is not None:
        value = body[field]
        ok = isinstance(value, types) and not (
            isinstance(value, bool) and bool not in _tuple(types)
        )
        _expect(ok, field, accepted, value)


def _tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _messages(body: Body, roles: tuple[str, ...] | None) -> None:
    messages = body.get("messages")
    _expect(isinstance(messages, list), "messages", "a list of message objects", messages)
    if not messages:
        raise InvalidRequest(
            "messages: expected at least one message, got an empty list", param="messages"
        )
    for i, msg in enumerate(messages):
        where = f"messages.{i}"
        _expect(isinstance(msg, dict), where, "an object with role and content", msg)
        role = msg.get("role")
        _expect(isinstance(role, str), f"{where}.role", "a string", role)
        if roles is not None and role not in roles:
            raise InvalidRequest(
                f"{where}.role: expected one of {', '.join(roles)}, got {role!r}",
                param=f"{where}.role",
            )
        content = msg.get("content")
        if content is not None:
            _expect(
                isinstance(content, str | list),
                f"{where}.content",
                "a string or a list of content blocks",
                content,
            )


def check_anthropic(body: Body, *, count_tokens: bool = False) -> None:
    """An Anthropic Messages (or count_tokens) request."""
    _model(body)
    _messages(body, ("user", "assistant", "system"))
    if not count_tokens:
        max_tokens = body.get("max_tokens")
        _expect(
            isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and max_tokens > 0,
            "max_tokens",
            "a positive integer",
            max_tokens,
        )
        _optional(body, "stream", bool, "true or false")
    _optional(body, "system", (str, list), "a string or a list of text blocks")
    _optional(body, "tools", list, "a list of tool definitions")
    _optional(body, "metadata", dict, "an object")


def check_openai(body: Body) -> None:
    """An OpenAI Chat Completions request."""
    _model(body)
    _messages(body, None)
    _optional(body, "stream", bool, "true or false")
    _optional(body, "max_tokens", int, "a positive integer")
    _optional(body, "max_completion_tokens", int, "a positive integer")
    _optional(body, "tools", list, "a list of tool definitions")
    _optional(body, "stream_options", dict, "an object")
