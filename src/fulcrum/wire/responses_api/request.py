"""OpenAI Responses request → OpenAI Chat Completions request (then the hub's, as any other).

Each request reaches this module with its whole conversation in ``input``: as clients that
send ``store: false`` send it (Codex CLI among them), or put there by the gateway from the
response a ``previous_response_id`` names (:mod:`fulcrum.responsestate`, with
``[responses] store = true``; without it the field is refused there). The rules for the top-level
fields are :data:`RESPONSES_REQUEST_RULES` (``map``, ``drop`` or ``refuse``: a ``refuse``
field set to anything but null or false is an error; any field not listed is one too). The
gateway's check (:mod:`fulcrum.gateway.inbound.validate_responses`) applies them; this
module converts a checked body and skips what it cannot read:

* ``instructions`` → a system message first; ``input`` as a string → one user message;
* message items (``type: "message"`` or none) keep their role (``developer`` and ``system``
  become the system prompt downstream); ``input_text``/``output_text``/``refusal`` parts →
  text, ``input_image`` with an ``image_url`` → an ``image_url`` part;
* ``function_call`` items → ``tool_calls`` of an assistant message (consecutive calls, and
  an assistant message just before them, form one), ``function_call_output`` → a ``tool``
  message with its ``call_id``; ``reasoning`` items are dropped (their encrypted content is
  readable by OpenAI only; a local model's reasoning is not sent back either);
* function ``tools`` → Chat Completions tools, and the functions of a ``namespace`` tool
  too, each named ``<namespace>__<name>`` (:func:`namespaced`; a call's ``namespace`` field
  is read and written back the same way); tools OpenAI runs itself (:data:`HOSTED_TOOLS`:
  ``web_search``, ``file_search`` …) are dropped: no backend here can run them, and a client
  that offers them (Codex CLI does) still works without them. ``tool_choice`` as a string as is, a
  named function as Chat Completions names it; ``reasoning.effort`` → ``reasoning_effort``;
  ``text.format`` (structured output) → ``response_format`` (:mod:`fulcrum.wire.outputformat`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fulcrum.wire.outputformat import chat_response_format, read_responses

__all__ = [
    "HOSTED_TOOLS",
    "NAMESPACE_SEPARATOR",
    "RESPONSES_REQUEST_RULES",
    "TEXT_PARTS",
    "namespaced",
    "responses_to_openai_request",
]

RESPONSES_REQUEST_RULES: dict[str, str] = {
    "model": "map: model",
    "input": "map: messages",
    "instructions": "map: a system message first",
    "max_output_tokens": "map: max_completion_tokens",
    "temperature": "map: temperature",
    "top_p": "map: top_p",
    "tools": "map: tools (function tools)",
    "tool_choice": "map: tool_choice",
    "parallel_tool_calls": "map: parallel_tool_calls",
    "reasoning": "map: reasoning_effort (reasoning.effort)",
    "stream": "map: stream",
    "user": "map: user",
    "text": "map: response_format (text.format; verbosity dropped)",
    "metadata": "drop: OpenAI-only",
    "store": "map: whether the gateway keeps the answer ([responses] store)",
    "include": "drop: nothing encrypted or extra to include",
    "stream_options": "drop: OpenAI-only",
    "prompt_cache_key": "drop: provider-specific",
    "prompt_cache_retention": "drop: provider-specific",
    "prompt_cache_options": "drop: provider-specific",
    "service_tier": "drop: provider-specific",
    "safety_identifier": "drop: OpenAI-only",
    "access_programs": "drop: OpenAI-only",
    "moderation": "drop: OpenAI-only",
    "image": "drop: OpenAI-only",
    "truncation": "drop: a request that does not fit is the context guard's",
    "context_management": "drop: OpenAI-only",
    "max_tool_calls": "drop: no portable equivalent",
    "client_metadata": "drop: the client's own (Codex CLI sends it)",
    "top_logprobs": "drop: no portable equivalent",
    "previous_response_id": "map: the kept conversation it continues ([responses] store)",
    "conversation": "refuse: the gateway keeps no conversations; send the whole "
    "conversation in input",
    "prompt": "refuse: prompt templates are kept by OpenAI",
    "background": "refuse: the gateway answers in the foreground",
    "background_options": "refuse: the gateway answers in the foreground",
}
TEXT_PARTS = ("input_text", "output_text", "refusal")  # parts read as text
# tool types OpenAI runs on its side (dropped); a client runs the others (function, namespace)
HOSTED_TOOLS = frozenset({
    "web_search", "web_search_2025_08_26", "web_search_preview", "web_search_preview_2025_03_11",
    "file_search", "code_interpreter", "image_generation", "mcp", "tool_search",
    "programmatic_tool_calling",
})  # fmt: skip
NAMESPACE_SEPARATOR = "__"  # a namespace's function as one tool name (no dot: Messages refuses)
Body = dict[str, Any]


def namespaced(name: Any, namespace: Any) -> Any:
    """A function's tool name downstream: ``<namespace>__<name>`` inside a namespace."""
    return f"{namespace}{NAMESPACE_SEPARATOR}{name}" if isinstance(namespace, str) else name


def responses_to_openai_request(body: Mapping[str, Any]) -> Body:
    """A checked Responses request as a Chat Completions request."""
    out: Body = {"model": body.get("model"), "messages": _messages(body)}
    for source, target in _COPIED:
        if body.get(source) is not None:
            out[target] = body[source]
    tools = [_tool(t, ns) for t, ns in _functions(body.get("tools"))]
    if tools:
        out["tools"] = tools
        choice = _tool_choice(body.get("tool_choice"))
        if choice is not None:
            out["tool_choice"] = choice
    reasoning = body.get("reasoning")
    if isinstance(reasoning, Mapping) and isinstance(reasoning.get("effort"), str):
        out["reasoning_effort"] = reasoning["effort"]
    if (fmt := read_responses(body)) is not None:
        out["response_format"] = chat_response_format(fmt)
    return out


_COPIED = (
    ("max_output_tokens", "max_completion_tokens"),
    ("temperature", "temperature"),
    ("top_p", "top_p"),
    ("parallel_tool_calls", "parallel_tool_calls"),
    ("stream", "stream"),
    ("user", "user"),
)


def _messages(body: Mapping[str, Any]) -> list[Body]:
    out: list[Body] = []
    if isinstance(body.get("instructions"), str) and body["instructions"]:
        out.append({"role": "system", "content": body["instructions"]})
    items = body.get("input")
    if isinstance(items, str):
        return [*out, {"role": "user", "content": items}]
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type", "message")
        if kind == "message":
            out.append(_message(item))
        elif kind == "function_call":
            _add_call(out, item)
        elif kind == "function_call_output":
            output = item.get("output")
            content = output if isinstance(output, str) else _text(output)
            out.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": content})
    return out


def _message(item: Mapping[str, Any]) -> Body:
    role, content = item.get("role"), item.get("content")
    if isinstance(content, str) or role == "assistant":
        text = content if isinstance(content, str) else _text(content)
        return {"role": role, "content": text}
    parts = [p for p in map(_part, content if isinstance(content, list) else ()) if p]
    return {"role": role, "content": parts}


def _part(part: Any) -> Body | None:
    if not isinstance(part, Mapping):
        return None
    kind = part.get("type")
    if kind in TEXT_PARTS:
        text = part.get("refusal") if kind == "refusal" else part.get("text")
        return {"type": "text", "text": text} if isinstance(text, str) else None
    if kind == "input_image" and isinstance(part.get("image_url"), str):
        image = {"url": part["image_url"]}
        if isinstance(part.get("detail"), str):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    return None


def _text(content: Any) -> str:
    """The text of a list of parts (an assistant message's, a tool output's)."""
    parts = [_part(p) for p in content] if isinstance(content, list) else []
    return "".join(p["text"] for p in parts if p is not None and p["type"] == "text")


def _add_call(out: list[Body], item: Mapping[str, Any]) -> None:
    """A function call, on the assistant message right before it when there is one."""
    name = namespaced(item.get("name"), item.get("namespace"))
    call = {
        "id": item.get("call_id"),
        "type": "function",
        "function": {"name": name, "arguments": item.get("arguments") or "{}"},
    }
    last = out[-1] if out else None
    if last is not None and last.get("role") == "assistant":
        last.setdefault("tool_calls", []).append(call)
        return
    out.append({"role": "assistant", "content": None, "tool_calls": [call]})


def _functions(tools: Any) -> list[tuple[Mapping[str, Any], str | None]]:
    """The function tools, each with its namespace (None at the top level)."""
    out: list[tuple[Mapping[str, Any], str | None]] = []
    for tool in tools if isinstance(tools, list) else ():
        kind = tool.get("type") if isinstance(tool, Mapping) else None
        if kind == "function":
            out.append((tool, None))
        elif kind == "namespace" and isinstance(tool.get("name"), str):
            inner = tool.get("tools")
            out += [
                (t, tool["name"]) for t, _ in _functions(inner if isinstance(inner, list) else [])
            ]
    return out


def _tool(tool: Mapping[str, Any], namespace: str | None) -> Body:
    keys = ("description", "parameters", "strict")
    fn = {"name": namespaced(tool.get("name"), namespace)}
    fn.update((k, tool[k]) for k in keys if tool.get(k) is not None)
    return {"type": "function", "function": fn}


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, Mapping) and choice.get("type") == "function":
        name = namespaced(choice.get("name"), choice.get("namespace"))
        return {"type": "function", "function": {"name": name}}
    return choice
