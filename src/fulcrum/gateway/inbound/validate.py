"""Request-body checks: malformed JSON and wrong types become one error naming the field.

Only the fields the gateway itself relies on are checked (model, messages, stream,
max_tokens, tools, system); everything else is passed through to the backend, which is the
authority on its own parameters. Unknown fields are never a crash.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fulcrum.errors import InvalidRequest

Body = dict[str, Any]
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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
    if _SURROGATE_ESCAPE.search(raw):  # rare: only then is every string checked
        _check_surrogates(body)
    return body


def _check_surrogates(body: Body) -> None:
    """A lone UTF-16 surrogate (``"\\ud83d"``) is not text: no upstream can take it."""
    try:
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end].encode("unicode_escape").decode()
        raise InvalidRequest(
            f"request body has a lone UTF-16 surrogate ({bad}) in a string; "
            "strings must be valid Unicode"
        ) from None


def _expect(ok: bool, field: str, accepted: str, value: Any) -> None:
    if not ok:
        raise InvalidRequest(f"{field}: expected {accepted}, got {_type_name(value)}", param=field)


def _model(body: Body) -> None:
    model = body.get("model")
    _expect(isinstance(model, str) and bool(model), "model", "a non-empty string", model)
    # a model name ends up in response headers and the ledger: no CR, LF or NUL in it
    if isinstance(model, str) and _CONTROL.search(model):
        raise InvalidRequest(
            f"model: expected a name without control characters, got {model!r}", param="model"
        )


def _positive(body: Body, field: str, *, required: bool) -> None:
    value = body.get(field)
    if value is None and not required:
        return
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if not (isinstance(value, int) and is_int and value > 0):
        got = str(value) if is_int else _type_name(value)
        raise InvalidRequest(f"{field}: expected a positive integer, got {got}", param=field)


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
        _positive(body, "max_tokens", required=True)
        _optional(body, "stream", bool, "true or false")
    _optional(body, "system", (str, list), "a string or a list of text blocks")
    _optional(body, "tools", list, "a list of tool definitions")
    _optional(body, "metadata", dict, "an object")


def check_openai(body: Body) -> None:
    """An OpenAI Chat Completions request."""
    _model(body)
    _messages(body, None)
    _optional(body, "stream", bool, "true or false")
    _positive(body, "max_tokens", required=False)
    _positive(body, "max_completion_tokens", required=False)
    _optional(body, "tools", list, "a list of tool definitions")
    _optional(body, "stream_options", dict, "an object")
