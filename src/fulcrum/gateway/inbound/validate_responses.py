"""The check of an OpenAI Responses request: one error naming the field, as OpenAI words it.

Unlike the two pass-through APIs, a Responses request is always translated, so the gateway
is the authority on it: a field it does not know is an error (OpenAI's own answer to one),
and so is a feature it cannot give (``refuse`` in
:data:`~fulcrum.wire.responses_api.RESPONSES_REQUEST_RULES`: stored conversations, prompt
templates, background mode; a ``previous_response_id`` is checked by
:mod:`fulcrum.responsestate`), an input item that only OpenAI can run or
keep, and an image or file referred to by an OpenAI file id. Tools OpenAI runs itself are
accepted and dropped (:mod:`fulcrum.wire.responses_api.request`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fulcrum.errors import InvalidRequest
from fulcrum.gateway.inbound.validate import (
    POSITIVE,
    FieldCheck,
    check_fields,
    check_model,
    check_output_format,
    wrong_type,
)
from fulcrum.wire.outputformat import JSON_OBJECT, JSON_SCHEMA
from fulcrum.wire.responses_api.request import HOSTED_TOOLS, RESPONSES_REQUEST_RULES, TEXT_PARTS

Body = dict[str, Any]
ACCEPTED = tuple(RESPONSES_REQUEST_RULES)
ITEMS = ("message", "function_call", "function_call_output", "reasoning")
ROLES = ("user", "assistant", "system", "developer")
PARTS = (*TEXT_PARTS, "input_image")
CHOICES = ("auto", "none", "required")
FORMATS = ("text", JSON_OBJECT, JSON_SCHEMA)
_FIELDS: tuple[FieldCheck, ...] = (
    ("max_output_tokens", int, POSITIVE),
    ("stream", bool, "true or false"),
    ("temperature", (int, float), "a number"),
    ("top_p", (int, float), "a number"),
    ("parallel_tool_calls", bool, "true or false"),
    ("instructions", str, "a string"),
    ("reasoning", dict, "an object"),
    ("text", dict, "an object"),
    ("metadata", dict, "an object"),
    ("user", str, "a string"),
    ("tools", list, "a list of tool definitions"),
    ("previous_response_id", str, "a response id"),
    ("store", bool, "true or false"),
)


def check_responses(body: Body) -> None:
    """A Responses request the gateway can serve, or InvalidRequest saying why not."""
    for key, value in body.items():
        rule = RESPONSES_REQUEST_RULES.get(key)
        if rule is None:
            raise InvalidRequest.unknown_field(key, ACCEPTED)
        if rule.startswith("refuse") and value is not None and value is not False:
            raise InvalidRequest(f"{key}: not supported; {rule.partition(': ')[2]}", param=key)
    check_model(body)
    check_fields(body, _FIELDS)
    _input(body.get("input"), continues=body.get("previous_response_id") is not None)
    for i, tool in enumerate(body.get("tools") or ()):
        _tool(f"tools.{i}", tool)
    _tool_choice(body.get("tool_choice"))
    text = body.get("text") or {}
    if text.get("format") is not None:
        check_output_format("text.format", text["format"], FORMATS, named=True)


def _input(items: Any, *, continues: bool) -> None:
    if isinstance(items, str):  # blank: nothing to answer, unless it continues a conversation
        if not items.strip() and not continues:
            raise InvalidRequest("input: blank; send the text to answer", param="input")
        return
    if not isinstance(items, list) or not items:
        raise wrong_type("input", "a string or a non-empty list of input items", items)
    for i, item in enumerate(items):
        where = f"input.{i}"
        if not isinstance(item, dict):
            raise wrong_type(where, "an input item object", item)
        kind = item.get("type", "message")
        if kind not in ITEMS:
            raise _refused(f"{where}.type", _item_refusal(kind))
        if kind == "message":
            _message(where, item)
        elif kind == "function_call":
            for key in ("call_id", "name", "arguments"):
                _text(f"{where}.{key}", item.get(key), empty=key == "arguments")
        elif kind == "function_call_output":
            _text(f"{where}.call_id", item.get("call_id"))
            if not isinstance(item.get("output"), str | list):
                raise wrong_type(
                    f"{where}.output", "a string or a list of parts", item.get("output")
                )


def _item_refusal(kind: Any) -> str:
    if kind == "item_reference":
        return "the gateway keeps no items; send the item itself"
    return (f"expected one of {', '.join(ITEMS)}, got {kind!r} (the calls of tools OpenAI "
            "runs cannot go to another model)")  # fmt: skip


def _message(where: str, item: Mapping[str, Any]) -> None:
    role = item.get("role")
    if role not in ROLES:
        raise InvalidRequest(
            f"{where}.role: expected one of {', '.join(ROLES)}, got {role!r}", param=f"{where}.role"
        )
    content = item.get("content")
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise wrong_type(f"{where}.content", "a string or a list of content parts", content)
    for j, part in enumerate(content):
        _part(f"{where}.content.{j}", part)


def _part(where: str, part: Any) -> None:
    if not isinstance(part, dict):
        raise wrong_type(where, "a content part object", part)
    kind = part.get("type")
    if kind == "input_file":
        raise _refused(where, "files are not accepted here; send their text as input_text")
    if kind not in PARTS:
        raise _refused(f"{where}.type", f"expected one of {', '.join(PARTS)}, got {kind!r}")
    if kind == "input_image" and not isinstance(part.get("image_url"), str):
        raise _refused(where, "an image by file_id is kept by OpenAI; send image_url (a URL "
                              "or a data: URL)")  # fmt: skip
    key = "refusal" if kind == "refusal" else "text" if kind != "input_image" else "image_url"
    _text(f"{where}.{key}", part.get(key), empty=True)


def _tool(where: str, tool: Any) -> None:
    """A function, a namespace of functions, or a tool OpenAI runs (dropped)."""
    if not isinstance(tool, dict):
        raise wrong_type(where, "a tool object", tool)
    kind = tool.get("type")
    _text(f"{where}.type", kind)
    if kind in HOSTED_TOOLS:
        return
    if kind == "namespace":
        _text(f"{where}.name", tool.get("name"))
        inner = tool.get("tools")
        if not isinstance(inner, list):
            raise wrong_type(f"{where}.tools", "a list of function tools", inner)
        for i, fn in enumerate(inner):
            _tool(f"{where}.tools.{i}", fn)
    elif kind == "function":
        _text(f"{where}.name", tool.get("name"))
        if tool.get("parameters") is not None and not isinstance(tool["parameters"], dict):
            raise wrong_type(f"{where}.parameters", "a JSON schema object", tool["parameters"])
    else:  # custom, shell, apply_patch, computer: run by the client, with no portable shape
        why = f"expected function, namespace or a tool OpenAI runs (dropped), got {kind!r}"
        raise _refused(f"{where}.type", f"{why}; declare it as a function")


def _tool_choice(choice: Any) -> None:
    if choice is None or choice in CHOICES:
        return
    if isinstance(choice, dict) and choice.get("type") == "function":
        _text("tool_choice.name", choice.get("name"))
        return
    raise InvalidRequest(
        f"tool_choice: expected one of {', '.join(CHOICES)} or "
        f'{{"type": "function", "name": ...}}, got {choice!r}',
        param="tool_choice",
    )


def _text(where: str, value: Any, *, empty: bool = False) -> None:
    if not isinstance(value, str) or (not value and not empty):
        raise wrong_type(where, "a string" if empty else "a non-empty string", value)


def _refused(where: str, why: str) -> InvalidRequest:
    return InvalidRequest(f"{where}: {why}", param=where)
