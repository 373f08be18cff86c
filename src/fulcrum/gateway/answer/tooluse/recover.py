"""Recover tool calls that a local model printed as text into structured ``tool_use`` blocks.

Local models often answer a tool-use turn with the call written out in their chat template's
text form instead of through the server's tool-call parser. Recognised forms, tried in order:

1. ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` — Hermes, Qwen2.5 (the closing
   tag may be missing when generation stopped on it);
2. ``<tool_call><function=NAME><parameter=KEY>value</parameter></function></tool_call>`` —
   Qwen3-Coder's XML form (values typed by the tool's schema), and Llama 3.1's
   ``<function=NAME>{...}</function>``, with or without the ``<tool_call>`` wrapper;
3. ``[TOOL_CALLS][{"name": ..., "arguments": {...}}]`` — Mistral;
4. a fenced block (```` ```json ````, ```` ```tool_call ```` or bare ```` ``` ````) holding a call
   object or a list of them;
5. a bare JSON object (or list) in the text naming a declared tool, optionally after Llama's
   ``<|python_tag|>``.

A call object names its tool in ``name``/``tool``/``tool_name``/``function`` and carries its
arguments in ``arguments``/``input``/``parameters``/``args`` (an object or a JSON string); the
OpenAI ``{"type": "function", "function": {...}}`` shape is read too. Only calls naming a
declared tool are taken, so JSON the model shows as an example of something else stays text.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from fulcrum.gateway.answer.tooluse.schema import tool_schemas, tool_use_blocks

_NAME_KEYS = ("name", "tool", "tool_name", "function")
_ARG_KEYS = ("arguments", "input", "parameters", "args")
_TOOL_CALL_TAG = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|\Z)", re.DOTALL)
_XML_FUNCTION = re.compile(r"<function=([^>\s]+)>(.*?)(?:</function>|\Z)", re.DOTALL)
_FUNCTION_TAG = re.compile(r"(<function=[^>\s]+>.*?</function>)", re.DOTALL)
_STRAY_TAG = re.compile(r"</?tool_call>")
_XML_PARAM = re.compile(r"<parameter=([^>\s]+)>\n?(.*?)\n?</parameter>", re.DOTALL)
_FENCE = re.compile(r"```(?:json|tool_call|tool_code|tool|javascript)?[ \t]*\n(.*?)```", re.DOTALL)
_MISTRAL = re.compile(r"\[TOOL_CALLS\]\s*")
_PYTHON_TAG = "<|python_tag|>"
_MAX_BARE_ATTEMPTS = 64

Schemas = Mapping[str, Mapping[str, Any]]


class Call(NamedTuple):
    name: str
    input: dict[str, Any]


class Recovery(NamedTuple):
    body: dict[str, Any]
    recovered: int


def recover_text_tool_calls(response_body: Mapping[str, Any], tools: Sequence[Any]) -> Recovery:
    """Turn text-printed tool calls into ``tool_use`` blocks (stop_reason ``tool_use``).

    Returns the body unchanged (``recovered == 0``) when there are no declared tools, when the
    response already holds a ``tool_use`` block, or when no text names a declared tool. The
    input body is never mutated.
    """
    schemas = tool_schemas(tools)
    content = response_body.get("content")
    if not schemas or not isinstance(content, list) or tool_use_blocks(response_body):
        return Recovery(dict(response_body), 0)
    kept: list[Any] = []
    calls: list[Call] = []
    for block in content:
        if isinstance(block, Mapping) and block.get("type") == "text":
            found, rest = extract_calls(str(block.get("text", "")), schemas)
            calls.extend(found)
            if found and rest.strip():
                kept.append({**block, "text": rest.strip()})
            elif not found:
                kept.append(block)
        else:
            kept.append(block)
    if not calls:
        return Recovery(dict(response_body), 0)
    blocks = [
        {
            "type": "tool_use",
            "id": "toolu_" + uuid.uuid4().hex[:24],
            "name": c.name,
            "input": c.input,
        }
        for c in calls
    ]
    body = {**response_body, "content": kept + blocks, "stop_reason": "tool_use"}
    body["stop_sequence"] = None
    return Recovery(body, len(calls))


def extract_calls(text: str, schemas: Schemas) -> tuple[list[Call], str]:
    """Calls found in ``text`` and the text left once their spans are removed."""
    calls: list[Call] = []

    def tagged(inner: str) -> list[Call]:
        xml = _xml_calls(inner, schemas)
        return xml or _json_calls(inner, schemas, lenient=True)

    text = _cut(_TOOL_CALL_TAG, text, tagged, calls)
    text = _cut(_FUNCTION_TAG, text, lambda inner: _xml_calls(inner, schemas), calls)
    text = _cut_mistral(text, schemas, calls)
    text = _cut(_FENCE, text, lambda inner: _json_calls(inner, schemas, lenient=False), calls)
    before = len(calls)
    bare = _cut_bare(text.replace(_PYTHON_TAG, ""), schemas, calls)
    text = bare if len(calls) > before else text
    return calls, _STRAY_TAG.sub("", text) if calls else text


def _cut(
    pattern: re.Pattern[str], text: str, parse: Callable[[str], list[Call]], out: list[Call]
) -> str:
    def replace(match: re.Match[str]) -> str:
        found = parse(match.group(1))
        out.extend(found)
        return "" if found else match.group(0)

    return pattern.sub(replace, text)


def _cut_mistral(text: str, schemas: Schemas, out: list[Call]) -> str:
    match = _MISTRAL.search(text)
    if match is None:
        return text
    try:
        value, end = json.JSONDecoder().raw_decode(text, match.end())
    except ValueError:
        return text
    found = _calls_from_value(value, schemas, lenient=True)
    out.extend(found)
    return text[: match.start()] + text[end:] if found else text


def _cut_bare(text: str, schemas: Schemas, out: list[Call]) -> str:
    decoder = json.JSONDecoder()
    pieces: list[str] = []
    pos = 0
    attempts = 0
    for match in re.finditer(r"(?:^|(?<=\s))[\[{]", text):
        start = match.start()
        if start < pos or attempts >= _MAX_BARE_ATTEMPTS:
            continue
        attempts += 1
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            continue
        found = _calls_from_value(value, schemas, lenient=False)
        if found:
            out.extend(found)
            pieces.append(text[pos:start])
            pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _json_calls(inner: str, schemas: Schemas, *, lenient: bool) -> list[Call]:
    try:
        value = json.loads(inner)
    except ValueError:
        return []
    return _calls_from_value(value, schemas, lenient=lenient)


def _calls_from_value(value: Any, schemas: Schemas, *, lenient: bool) -> list[Call]:
    """Calls in a parsed JSON value; all-or-nothing for a list, so prose JSON is left alone."""
    if isinstance(value, Mapping) and isinstance(value.get("tool_calls"), list):
        value = value["tool_calls"]
    items = value if isinstance(value, list) else [value]
    calls = [_call_from_object(item, schemas, lenient=lenient) for item in items]
    if not calls or any(c is None for c in calls):
        return []
    return [c for c in calls if c is not None]


def _call_from_object(obj: Any, schemas: Schemas, *, lenient: bool = False) -> Call | None:
    if not isinstance(obj, Mapping):
        return None
    function = obj.get("function")
    if isinstance(function, Mapping):
        obj = function
    name = next((obj[k] for k in _NAME_KEYS if isinstance(obj.get(k), str)), None)
    if name is None or name not in schemas:
        return None
    key = next((k for k in _ARG_KEYS if k in obj), None)
    if key is None:
        return Call(name, {}) if lenient else None
    args = obj[key]
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            return None
    return Call(name, dict(args)) if isinstance(args, Mapping) else None


def _xml_calls(inner: str, schemas: Schemas) -> list[Call]:
    calls: list[Call] = []
    for function in _XML_FUNCTION.finditer(inner):
        name = function.group(1)
        if name not in schemas:
            return []
        props = schemas[name].get("properties")
        props = props if isinstance(props, Mapping) else {}
        pairs = _XML_PARAM.findall(function.group(2))
        if not pairs and function.group(2).strip():
            found = _call_from_object({"name": name, "arguments": function.group(2)}, schemas)
            if found is None:
                return []
            calls.append(found)
            continue
        calls.append(Call(name, {k: _typed(v, props.get(k)) for k, v in pairs}))
    return calls


def _typed(raw: str, schema: Any) -> Any:
    """A parameter value: text when the schema says string, else parsed as JSON when it can be."""
    if isinstance(schema, Mapping) and schema.get("type") == "string":
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw
