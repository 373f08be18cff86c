"""The one retry that carries a validation error back to the model, and forced ``tool_choice``.

Retry: the repaired request is the original one plus two messages — the assistant turn exactly
as the model produced it (text and ``tool_use`` blocks; thinking blocks are dropped because a
local server cannot verify their signatures), then a user turn answering every ``tool_use`` with
an ``is_error`` ``tool_result`` that states what was wrong and asks for a corrected call. Errors
that belong to no call (a forced tool that was not called) are stated in a text block.

Forcing ``tool_choice`` on local models: many local servers accept ``tool_choice`` but their
chat templates ignore it. The strategy, in order:

1. before sending (:func:`prepare_forced_request`): for ``{"type": "tool", "name": X}`` only
   tool ``X`` is offered, and for ``{"type": "tool"}`` / ``{"type": "any"}`` the system prompt
   gains one sentence telling the model it must answer with a tool call (``tool_choice`` itself
   is kept, for servers that do honour it);
2. after the answer (:func:`tool_choice_violation`): text-printed calls are recovered first;
   a response that still does not call the required tool is an error, retried once with
   :func:`repair_request`;
3. if the retry also ignores it, the response is returned as the model gave it and counted as
   ``invalid`` — fulcrum never invents a call the model did not make.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from fulcrum.gateway.answer.tooluse.schema import ToolCallError, tool_use_blocks

RETRY_HINT = "Call the tool again with input that matches its input_schema exactly."
NOT_RUN = "Not run: another tool call in this turn was invalid. Repeat the calls you still need."


def repair_request(
    original_request: Mapping[str, Any],
    bad_response: Mapping[str, Any],
    errors: Sequence[ToolCallError],
) -> dict[str, Any]:
    """The retry request for ``bad_response`` (the original request is not mutated)."""
    request = dict(original_request)
    messages = list(original_request.get("messages") or [])
    assistant = [_assistant_block(b) for b in _content(bad_response)]
    assistant = [b for b in assistant if b is not None]
    by_id = {e.tool_use_id: e for e in errors if e.tool_use_id}
    answer: list[dict[str, Any]] = []
    for block in tool_use_blocks(bad_response):
        error = by_id.get(str(block.get("id")))
        text = f"{error.message()}. {RETRY_HINT}" if error is not None else NOT_RUN
        answer.append(
            {
                "type": "tool_result",
                "tool_use_id": block.get("id"),
                "content": text,
                "is_error": True,
            }
        )
    loose = [e.message() for e in errors if not e.tool_use_id or e.tool_use_id not in _ids(answer)]
    if loose:
        answer.append({"type": "text", "text": " ".join(loose)})
    if assistant:
        messages.append({"role": "assistant", "content": assistant})
    messages.append({"role": "user", "content": answer})
    request["messages"] = messages
    return request


def forced_tool(request: Mapping[str, Any]) -> tuple[bool, str | None]:
    """(whether a tool call is required, the required tool's name or None for any tool)."""
    choice = request.get("tool_choice")
    if not isinstance(choice, Mapping) or not request.get("tools"):
        return False, None
    if choice.get("type") == "tool" and isinstance(choice.get("name"), str):
        return True, choice["name"]
    return choice.get("type") in ("any", "tool"), None


def prepare_forced_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """Apply step 1 of the forcing strategy; a request that forces nothing is returned as is."""
    required, name = forced_tool(request)
    if not required:
        return dict(request)
    prepared = dict(request)
    if name is not None:
        only = [t for t in request.get("tools") or [] if _tool_name(t) == name]
        if only:
            prepared["tools"] = only
        sentence = f"You must answer this turn by calling the tool `{name}`; do not reply in text."
    else:
        sentence = "You must answer this turn by calling one of the tools; do not reply in text."
    prepared["system"] = _append_system(request.get("system"), sentence)
    return prepared


def tool_choice_violation(
    request: Mapping[str, Any], response: Mapping[str, Any]
) -> ToolCallError | None:
    """An error when the response does not make the tool call that ``tool_choice`` requires."""
    required, name = forced_tool(request)
    if not required:
        return None
    names = [b.get("name") for b in tool_use_blocks(response)]
    if name is None and names:
        return None
    if name is not None and name in names:
        return None
    wanted = f"a call of tool {name!r}" if name else "a tool call"
    problem = f"tool_choice requires {wanted}, but the response has " + (
        f"calls of {', '.join(map(str, names))}" if names else "no tool call"
    )
    return ToolCallError(None, name, (problem,))


def _content(response: Mapping[str, Any]) -> list[Any]:
    content = response.get("content")
    return content if isinstance(content, list) else []


def _assistant_block(block: Any) -> dict[str, Any] | None:
    if not isinstance(block, Mapping) or block.get("type") not in ("text", "tool_use"):
        return None
    if block.get("type") == "text" and not str(block.get("text", "")).strip():
        return None
    return copy.deepcopy(dict(block))


def _ids(blocks: list[dict[str, Any]]) -> set[Any]:
    return {b.get("tool_use_id") for b in blocks}


def _tool_name(tool: Any) -> Any:
    if not isinstance(tool, Mapping):
        return None
    spec = tool.get("function") if tool.get("type") == "function" else tool
    return spec.get("name") if isinstance(spec, Mapping) else None


def _append_system(system: Any, sentence: str) -> Any:
    if isinstance(system, list):
        return [*system, {"type": "text", "text": sentence}]
    if isinstance(system, str) and system:
        return f"{system}\n\n{sentence}"
    return sentence
