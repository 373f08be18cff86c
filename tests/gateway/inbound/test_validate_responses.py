"""The Responses check: what the gateway cannot serve is named, with what it accepts."""

from __future__ import annotations

from typing import Any

import pytest

from fulcrum.errors import InvalidRequest
from fulcrum.gateway.inbound.validate_responses import check_responses

BODY: dict[str, Any] = {"model": "m", "input": "hi"}


@pytest.mark.parametrize(
    ("change", "message", "param"),
    [
        ({"model": ""}, "model: expected a non-empty string, got str", "model"),
        ({"input": None}, "input: expected a string or a non-empty list of input items, got null",
         "input"),
        ({"input": ["hi"]}, "input.0: expected an input item object, got str", "input.0"),
        ({"input": [{"role": "tool", "content": "x"}]},
         "input.0.role: expected one of user, assistant, system, developer, got 'tool'",
         "input.0.role"),
        ({"input": [{"type": "web_search_call", "id": "ws_1"}]},
         "input.0.type: expected one of message, function_call, function_call_output, "
         "reasoning, got 'web_search_call'", "input.0.type"),
        ({"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]},
         "input.0.content.0: files are not accepted here", "input.0.content.0"),
        ({"input": [{"role": "user", "content": [{"type": "input_image", "file_id": "f"}]}]},
         "input.0.content.0: an image by file_id is kept by OpenAI", "input.0.content.0"),
        ({"input": [{"role": "user", "content": [{"type": "input_text"}]}]},
         "input.0.content.0.text: expected a string, got null", "input.0.content.0.text"),
        ({"input": [{"type": "function_call", "call_id": "c", "arguments": "{}"}]},
         "input.0.name: expected a non-empty string, got null", "input.0.name"),
        ({"input": [{"type": "function_call_output", "call_id": "c", "output": 3}]},
         "input.0.output: expected a string or a list of parts, got int", "input.0.output"),
        ({"tools": [{"type": "function"}]}, "tools.0.name: expected a non-empty string, got null",
         "tools.0.name"),
        ({"tools": [{"type": "namespace", "name": "agents"}]},
         "tools.0.tools: expected a list of function tools, got null", "tools.0.tools"),
        ({"tools": [{"type": "namespace", "name": "agents", "tools": [{"type": "function"}]}]},
         "tools.0.tools.0.name: expected a non-empty string, got null", "tools.0.tools.0.name"),
        ({"tools": [{"name": "x"}]}, "tools.0.type: expected a non-empty string, got null",
         "tools.0.type"),
        ({"tools": [{"type": "custom", "name": "apply_patch"}]},
         "tools.0.type: expected function, namespace or a tool OpenAI runs (dropped), got "
         "'custom'; declare it as a function", "tools.0.type"),
        ({"tool_choice": "any"}, "tool_choice: expected one of auto, none, required",
         "tool_choice"),
        ({"tool_choice": {"type": "function"}},
         "tool_choice.name: expected a non-empty string, got null", "tool_choice.name"),
        ({"conversation": "conv_1"}, "conversation: not supported; the gateway keeps no "
         "conversations", "conversation"),
        ({"background": True}, "background: not supported", "background"),
        ({"stream": "yes"}, "stream: expected true or false, got str", "stream"),
        ({"input": " \n"}, "input: blank; send the text to answer", "input"),
        ({"previous_response_id": 7}, "previous_response_id: expected a response id",
         "previous_response_id"),
        ({"store": "yes"}, "store: expected true or false, got str", "store"),
    ],
)  # fmt: skip
def test_each_error_names_its_field(change: dict[str, Any], message: str, param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_responses({**BODY, **change})
    assert caught.value.message.startswith(message) and caught.value.param == param


def test_what_clients_send_is_accepted() -> None:
    """Codex-style requests: stored nothing, reasoning items from the last turn, the lot."""
    check_responses({
        **BODY,
        "input": [
            {"type": "message", "role": "developer",
             "content": [{"type": "input_text", "text": "x"}]},
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "e"},
            {"type": "function_call", "call_id": "c", "name": "shell", "arguments": ""},
            {"type": "function_call_output", "call_id": "c", "output": "ok"},
        ],
        "store": False, "background": False, "previous_response_id": None,
        "include": ["reasoning.encrypted_content"], "prompt_cache_key": "k",
        "reasoning": {"effort": "low", "summary": "auto"}, "parallel_tool_calls": False,
        "tool_choice": "auto", "text": {"verbosity": "low"},
        "tools": [{"type": "function", "name": "shell", "parameters": {"type": "object"},
                   "strict": False}, {"type": "web_search", "external_web_access": False}],
    })  # fmt: skip


def test_a_blank_input_continuing_a_kept_response_is_accepted() -> None:
    check_responses({**BODY, "input": "", "previous_response_id": "resp_1"})
