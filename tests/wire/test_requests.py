"""Request translation both ways, with Claude Code-shaped and OpenAI-shaped bodies."""

from __future__ import annotations

import json
from typing import Any

from fulcrum.wire import (
    ANTHROPIC_REQUEST_RULES,
    anthropic_to_openai_request,
    native_history,
    openai_to_anthropic_request,
)
from fulcrum.wire.maps import content_text
from fulcrum.wire.request_to_anthropic import DEFAULT_MAX_TOKENS

TOOLS: list[dict[str, Any]] = [
    {
        "name": "Bash",
        "description": "Run a command",
        "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}},
        "cache_control": {"type": "ephemeral"},
    },
    {"type": "web_search_20250305", "name": "web_search", "max_uses": 2},
]


def claude_code_body() -> dict[str, Any]:
    return {
        "model": "claude-opus-5-5",
        "max_tokens": 128000,
        "stream": True,
        "thinking": {"type": "adaptive"},
        "context_management": {"edits": []},
        "output_config": {"effort": "high"},
        "metadata": {"user_id": json.dumps({"session_id": "abc"})},
        "future_field": {"x": 1},
        "system": [
            {"type": "text", "text": "You are Claude Code."},
            {"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}},
        ],
        "tools": TOOLS,
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
        "stop_sequences": ["STOP"],
        "temperature": 0.5,
        "top_k": 5,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "list files"}]},
            {"role": "system", "content": "Reminder: stay on task."},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                    {"type": "text", "text": "Running ls."},
                    {
                        "type": "tool_use",
                        "id": "toolu_1",
                        "name": "Bash",
                        "input": {"command": "ls"},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "a.txt"},
                    {"type": "text", "text": "thanks"},
                ],
            },
        ],
    }


def test_claude_code_body_to_openai() -> None:
    out = anthropic_to_openai_request(claude_code_body())
    assert set(out) == {
        "model",
        "messages",
        "max_tokens",
        "temperature",
        "stop",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "stream",
        "stream_options",
    }
    assert out["stream_options"] == {"include_usage": True}
    assert out["tool_choice"] == "auto" and out["parallel_tool_calls"] is False
    assert out["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "Bash",
                "description": "Run a command",
                "parameters": TOOLS[0]["input_schema"],
            },
        }
    ]
    roles = [m["role"] for m in out["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "user"]
    assert out["messages"][0]["content"] == (
        "You are Claude Code.\n\nBe brief.\n\nReminder: stay on task."
    )
    assistant = out["messages"][2]
    assert assistant["content"] == "Running ls."
    assert assistant["tool_calls"] == [
        {
            "id": "toolu_1",
            "type": "function",
            "function": {"name": "Bash", "arguments": '{"command":"ls"}'},
        }
    ]
    assert out["messages"][3] == {"role": "tool", "tool_call_id": "toolu_1", "content": "a.txt"}
    assert out["messages"][4] == {"role": "user", "content": "thanks"}


def test_every_dropped_field_is_in_the_rule_table_or_unknown() -> None:
    body = claude_code_body()
    out = anthropic_to_openai_request(body)
    for field in ("thinking", "context_management", "metadata", "top_k"):
        assert field not in out
        assert ANTHROPIC_REQUEST_RULES[field].startswith("drop")
    # output_config maps its format only: Claude Code's {"effort": ...} alone sends nothing
    assert ANTHROPIC_REQUEST_RULES["output_config"].startswith("map")
    assert "response_format" not in out and "output_config" not in out
    assert "future_field" not in out and "future_field" not in ANTHROPIC_REQUEST_RULES


def test_images_and_error_results_to_openai() -> None:
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "QQ=="},
    }
    body = {
        "model": "m",
        "max_tokens": 5,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "see"}, image]},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "t",
                        "is_error": True,
                        "content": [{"type": "text", "text": "boom"}, image],
                    }
                ],
            },
        ],
    }
    msgs = anthropic_to_openai_request(body)["messages"]
    assert msgs[0]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,QQ=="},
    }
    assert msgs[1]["content"] is None
    assert msgs[2] == {"role": "tool", "tool_call_id": "t", "content": "Error: boom"}
    assert msgs[3]["role"] == "user" and msgs[3]["content"][0]["type"] == "image_url"


def test_tool_choice_variants_to_openai() -> None:
    def choice(tc: dict[str, Any]) -> Any:
        body = {"model": "m", "messages": [], "tools": TOOLS[:1], "tool_choice": tc}
        return anthropic_to_openai_request(body).get("tool_choice")

    assert choice({"type": "any"}) == "required"
    assert choice({"type": "none"}) == "none"
    assert choice({"type": "tool", "name": "Bash"}) == {
        "type": "function",
        "function": {"name": "Bash"},
    }


def test_garbage_never_crashes() -> None:
    weird: dict[str, Any] = {
        "model": 3,
        "messages": [None, 5, {"role": "user", "content": [None, {"type": "image"}]}],
        "system": [{"no": "text"}],
        "tools": [None, {"name": 1}],
        "tool_choice": "auto",
        "max_tokens": "lots",
    }
    out = anthropic_to_openai_request(weird)
    assert "max_tokens" not in out and "tools" not in out
    # an image without a source is not sent: a note says something was there
    note = "[an image block was left out here: an OpenAI-format model cannot take it]"
    assert out["messages"] == [{"role": "user", "content": note}]
    back = openai_to_anthropic_request({"messages": [None, {"role": "function"}], "stop": 7})
    assert back["messages"] == [] and back["max_tokens"] == DEFAULT_MAX_TOKENS


def test_a_contents_text_is_read_one_way_in_every_direction() -> None:
    """Blocks' texts as paragraphs, blank ones left out (Messages refuses them); a Responses
    message's parts run together, as they came."""
    blocks = [{"type": "text", "text": "Be terse."}, {"type": "text", "text": " "}, None,
              {"type": "image"}, {"type": "text", "text": "Answer in English."}]  # fmt: skip
    assert content_text(blocks) == "Be terse.\n\nAnswer in English."
    assert content_text(blocks, "", blank=True) == "Be terse. Answer in English."
    assert (content_text("as is "), content_text(None), content_text(7)) == ("as is ", "", "")
    system = anthropic_to_openai_request({"system": blocks, "messages": []})["messages"]
    assert system == [{"role": "system", "content": "Be terse.\n\nAnswer in English."}]
    chat = {"messages": [{"role": "system", "content": blocks}, {"role": "user", "content": "hi"}]}
    assert openai_to_anthropic_request(chat)["system"] == [
        {"type": "text", "text": "Be terse.\n\nAnswer in English."}
    ]


def openai_body() -> dict[str, Any]:
    return {
        "model": "gpt-x",
        "max_completion_tokens": 300,
        "temperature": 1.7,
        "stop": "END",
        "user": "u1",
        "stream": True,
        "stream_options": {"include_usage": True},
        "reasoning_effort": "low",
        "parallel_tool_calls": False,
        "tool_choice": "required",
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
        "messages": [
            {"role": "developer", "content": "Be terse."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "look"},
                    {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAA"}},
                    {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "reasoning_content": "thinking...",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "f", "arguments": '{"a":1}'},
                    },
                    {
                        "id": "c2",
                        "type": "function",
                        "function": {"name": "f", "arguments": "oops"},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "one"},
            {"role": "tool", "tool_call_id": "c2", "content": [{"type": "text", "text": "two"}]},
            {"role": "user", "content": "and?"},
        ],
    }


def test_openai_body_to_anthropic() -> None:
    out = openai_to_anthropic_request(openai_body())
    assert out["system"] == [{"type": "text", "text": "Be terse."}]
    assert out["max_tokens"] == 300 and out["temperature"] == 1.0
    assert out["stop_sequences"] == ["END"] and out["metadata"] == {"user_id": "u1"}
    assert out["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    assert out["tools"] == [{"name": "f", "input_schema": {"type": "object"}}]
    assert "reasoning_effort" not in out and "stream_options" not in out
    user, assistant, results = out["messages"]
    assert user["content"][1]["source"] == {
        "type": "base64",
        "media_type": "image/jpeg",
        "data": "AAA",
    }
    assert user["content"][2]["source"] == {"type": "url", "url": "https://x/y.png"}
    assert [b["input"] for b in assistant["content"]] == [{"a": 1}, {"arguments": "oops"}]
    assert results["role"] == "user"
    assert [b.get("tool_use_id") for b in results["content"]] == ["c1", "c2", None]
    assert results["content"][1]["content"] == "two"
    assert results["content"][2] == {"type": "text", "text": "and?"}


def test_round_trip_preserves_tool_conversation() -> None:
    body = claude_code_body()
    back = openai_to_anthropic_request(anthropic_to_openai_request(body))
    assert back["max_tokens"] == 128000 and back["stream"] is True
    assistant = back["messages"][1]
    assert [b["type"] for b in assistant["content"]] == ["text", "tool_use"]
    assert assistant["content"][1]["input"] == {"command": "ls"}
    assert back["messages"][2]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": "a.txt",
    }


def test_text_documents_become_text_and_thinking_only_turn_is_empty_string() -> None:
    document = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "DOC"},
    }
    pdf = {
        "type": "document",
        "source": {"type": "base64", "media_type": "application/pdf", "data": "x"},
    }
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": [document, pdf, {"type": "text", "text": "summarise"}]},
            {
                "role": "assistant",
                "content": [{"type": "thinking", "thinking": "t", "signature": "s"}],
            },
        ],
    }
    msgs = anthropic_to_openai_request(body)["messages"]
    note = "[a document (application/pdf) was left out here: an OpenAI-format model cannot take it]"
    assert msgs[0] == {"role": "user", "content": f"DOC\n\n{note}\n\nsummarise"}
    assert msgs[1] == {"role": "assistant", "content": ""}


def test_what_has_no_counterpart_is_noted_not_dropped() -> None:
    pdf = "data:application/pdf;base64,JVBERi0xLjQK"
    parts = [
        {"type": "text", "text": "read these"},
        {"type": "file", "file": {"filename": "spec.pdf", "file_data": pdf}},
        {"type": "file", "file": {"file_id": "file-abc"}},
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
    ]
    out = openai_to_anthropic_request(
        {"model": "m", "messages": [{"role": "user", "content": parts}]}
    )
    blocks = out["messages"][0]["content"]
    assert blocks[1] == {"type": "document", "title": "spec.pdf", "source": {
        "type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQK"}}  # fmt: skip
    assert [b["text"] for b in blocks[2:]] == [
        "[a file was left out here: the Messages API cannot take it]",
        "[an input_audio content part was left out here: the Messages API cannot take it]",
    ]
    result = {"type": "tool_result", "tool_use_id": "t1", "content": [
        {"type": "text", "text": "found"}, {"type": "search_result", "source": "s", "title": "x",
                                            "content": []}]}  # fmt: skip
    body = {"model": "m", "messages": [{"role": "user", "content": [result]}]}
    tool = anthropic_to_openai_request(body)["messages"][0]
    assert tool["role"] == "tool" and tool["content"] == (
        "found\n\n[a search_result block was left out here: an OpenAI-format model cannot take it]"
    )


def test_native_history_drops_unsigned_thinking_and_keeps_signed_blocks() -> None:
    body: dict[str, Any] = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "local", "signature": ""},
                    {"type": "thinking", "thinking": "real", "signature": "abc"},
                    {"type": "text", "text": "a"},
                ],
            },
        ],
    }
    out = native_history(body["messages"])
    assert out is not None
    assert [b.get("signature") for b in out[1]["content"]] == ["abc", None]
    assert out[0] is body["messages"][0]
    assert len(body["messages"][1]["content"]) == 3  # input untouched
