"""Request-body checks: malformed JSON and wrong types become one error naming the field.

Only the fields the gateway itself relies on are checked (model, messages, stream,
max_tokens, tools, system, and the structured-output format it translates: Anthropic's
``output_config.format``, Responses' ``text.format``); everything else is passed through to
the backend, which is the authority on its own parameters. Unknown fields are never a crash.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fulcrum.errors import InvalidRequest
from fulcrum.wire.outputformat import JSON_SCHEMA

Body = dict[str, Any]
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")  # Python's json reads it; no API does


# json.loads' own steps (the encoding found from the first bytes), with NaN and Infinity refused
_DECODER = json.JSONDecoder(parse_constant=_not_json)


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def parse_object(raw: bytes) -> Body:
    """The JSON object in ``raw``, or InvalidRequest saying what is wrong."""
    if not raw:
        raise InvalidRequest("request body is empty; expected a JSON object")
    try:
        body = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
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


# Each check raises only when it fails: a call per field checked would cost more than the
# checks (this runs on every request, and a Claude Code body holds hundreds of messages).


def wrong_type(field: str, accepted: str, value: Any) -> InvalidRequest:
    return InvalidRequest(f"{field}: expected {accepted}, got {_type_name(value)}", param=field)


def check_model(body: Body) -> None:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise wrong_type("model", "a non-empty string", model)
    # a model name ends up in response headers and the ledger: no CR, LF or NUL in it
    if _CONTROL.search(model):
        raise InvalidRequest(
            f"model: expected a name without control characters, got {model!r}", param="model"
        )


# (field, its accepted types, what the error says is accepted): checked when present and not
# null. POSITIVE fields take a positive integer (a bool is not one).
FieldCheck = tuple[str, type | tuple[type, ...], str]
POSITIVE = "a positive integer"


def _not_positive(field: str, value: Any) -> InvalidRequest:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    got = str(value) if is_int else _type_name(value)
    return InvalidRequest(f"{field}: expected {POSITIVE}, got {got}", param=field)


def check_fields(body: Body, fields: tuple[FieldCheck, ...]) -> None:
    for field, types, accepted in fields:
        value = body.get(field)
        if value is None:
            continue
        if accepted == POSITIVE:
            if value is True or value is False or not isinstance(value, int) or value <= 0:
                raise _not_positive(field, value)
        elif not isinstance(value, types):
            raise wrong_type(field, accepted, value)


def _messages(body: Body, roles: tuple[str, ...] | None) -> None:
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise wrong_type("messages", "a list of message objects", messages)
    if not messages:
        raise InvalidRequest(
            "messages: expected at least one message, got an empty list", param="messages"
        )
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise wrong_type(f"messages.{i}", "an object with role and content", msg)
        role = msg.get("role")
        if not isinstance(role, str):
            raise wrong_type(f"messages.{i}.role", "a string", role)
        if roles is not None and role not in roles:
            raise InvalidRequest(
                f"messages.{i}.role: expected one of {', '.join(roles)}, got {role!r}",
                param=f"messages.{i}.role",
            )
        content = msg.get("content")
        if content is not None and not isinstance(content, str | list):
            raise wrong_type(
                f"messages.{i}.content", "a string or a list of content blocks", content
            )


OPENAI_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
_ANTHROPIC: tuple[FieldCheck, ...] = (
    ("max_tokens", int, POSITIVE),
    ("stream", bool, "true or false"),
    ("system", (str, list), "a string or a list of text blocks"),
    ("tools", list, "a list of tool definitions"),
    ("metadata", dict, "an object"),
)
_COUNT_TOKENS = tuple(f for f in _ANTHROPIC if f[0] not in ("max_tokens", "stream"))
_OPENAI: tuple[FieldCheck, ...] = (
    ("stream", bool, "true or false"),
    ("max_tokens", int, POSITIVE),
    ("max_completion_tokens", int, POSITIVE),
    ("tools", list, "a list of tool definitions"),
    ("stream_options", dict, "an object"),
)


def check_anthropic(body: Body, *, count_tokens: bool = False) -> None:
    """An Anthropic Messages (or count_tokens) request."""
    check_model(body)
    _messages(body, ("user", "assistant", "system"))
    if count_tokens:
        check_fields(body, _COUNT_TOKENS)
        return
    if body.get("max_tokens") is None:  # required
        raise _not_positive("max_tokens", None)
    check_fields(body, _ANTHROPIC)
    config = body.get("output_config")
    if isinstance(config, dict) and config.get("format") is not None:
        check_output_format("output_config.format", config["format"], (JSON_SCHEMA,))
    if body.get("output_format") is not None:
        check_output_format("output_format", body["output_format"], (JSON_SCHEMA,))


def check_output_format(
    where: str, fmt: Any, kinds: tuple[str, ...], *, named: bool = False
) -> None:
    """A structured-output format object: its ``type`` one of ``kinds``; a ``json_schema``
    one with a ``schema`` object (and a ``name``, where the API requires one)."""
    if not isinstance(fmt, dict):
        raise wrong_type(where, "an object", fmt)
    kind = fmt.get("type")
    if kind not in kinds:
        raise InvalidRequest(
            f"{where}.type: expected one of {', '.join(kinds)}, got {kind!r}", param=f"{where}.type"
        )
    if kind != JSON_SCHEMA:
        return
    if not isinstance(fmt.get("schema"), dict):
        raise wrong_type(f"{where}.schema", "a JSON schema object", fmt.get("schema"))
    name = fmt.get("name")
    if named and (not isinstance(name, str) or not name):
        raise wrong_type(f"{where}.name", "a non-empty string", name)


def check_openai(body: Body) -> None:
    """An OpenAI Chat Completions request."""
    check_model(body)
    _messages(body, OPENAI_ROLES)
    check_fields(body, _OPENAI)
