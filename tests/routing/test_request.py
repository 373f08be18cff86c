from __future__ import annotations

import json

import pytest

from fulcrum.routing.request import (
    RouteRequest,
    is_background_model,
    lower_headers,
    route_request_from_anthropic,
    route_request_from_openai,
    session_from,
)


def claude_code_body(model: str = "claude-opus-5-5") -> dict[str, object]:
    return {
        "model": model,
        "max_tokens": 128000,
        "stream": True,
        "thinking": {"type": "adaptive"},
        "metadata": {"user_id": json.dumps({"device_id": "d1", "session_id": "sess-meta"})},
        "system": [{"type": "text", "text": "You are Claude Code"}],
        "tools": [{"name": "Bash", "input_schema": {"type": "object"}}],
        "messages": [{"role": "user", "content": "list files"}],
    }


def test_claude_code_request_fields() -> None:
    headers = {"X-Claude-Code-Session-Id": "sess-hdr", "Anthropic-Version": "2023-06-01"}
    req = route_request_from_anthropic(claude_code_body(), headers)
    assert req.api == "anthropic"
    assert req.model == "claude-opus-5-5"
    assert req.session == "sess-hdr"
    assert req.max_tokens == 128000
    assert req.has_tools is True
    assert req.is_background is False
    assert req.estimated_input_tokens > 10
    assert req.headers["anthropic-version"] == "2023-06-01"
    assert "X-Claude-Code-Session-Id" not in req.headers


def test_session_precedence_fulcrum_header_then_claude_code_header_then_metadata() -> None:
    body = claude_code_body()
    both = {"x-fulcrum-session": "mine", "x-claude-code-session-id": "cc", "session-id": "cx"}
    assert session_from(body, both) == "mine"
    assert session_from(body, {"x-claude-code-session-id": "cc", "session-id": "cx"}) == "cc"
    assert session_from(body, {"session-id": "cx"}) == "cx"  # Codex CLI's
    assert session_from(body, {"x-session-id": "ses_oc", "session-id": "cx"}) == "cx"
    assert session_from(body, {"x-session-id": "ses_oc"}) == "ses_oc"  # OpenCode's
    assert session_from(body, {"session-id": " "}) == "sess-meta"
    assert session_from(body, {}) == "sess-meta"
    assert session_from({}, {}) is None


@pytest.mark.parametrize(
    ("user_id", "expected"),
    [
        (json.dumps({"session_id": "abc"}), "abc"),
        ("user_9f8e_account_1234_session_5a6b-7c8d", "5a6b-7c8d"),
        ("{not json", None),
        (json.dumps({"session_id": ""}), None),
        (json.dumps(["session_id"]), None),
        ("plain-user", None),
        (42, None),
    ],
)
def test_metadata_user_id_forms(user_id: object, expected: str | None) -> None:
    assert session_from({"metadata": {"user_id": user_id}}, {}) == expected


def test_background_model_detection() -> None:
    assert is_background_model("claude-haiku-4-5-20251001")
    assert is_background_model("Claude-3-5-Haiku-latest")
    assert not is_background_model("claude-opus-5-5")
    assert is_background_model("qwen-small", ["qwen-small*"])
    assert not is_background_model("claude-haiku-4-5", [])
    req = route_request_from_anthropic(claude_code_body("claude-haiku-4-5"), {})
    assert req.is_background is True


def test_openai_request_prefers_max_completion_tokens() -> None:
    body = {
        "model": "gpt-5",
        "max_tokens": 100,
        "max_completion_tokens": 200,
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
    }
    req = route_request_from_openai(body, {"X-Fulcrum-Session": "s1"})
    assert (req.api, req.max_tokens, req.session, req.has_tools) == ("openai", 200, "s1", False)
    del body["max_completion_tokens"]
    assert route_request_from_openai(body, {}).max_tokens == 100


def test_bad_types_do_not_crash_the_builder() -> None:
    req = route_request_from_anthropic({"model": 5, "max_tokens": "lots", "metadata": "x"}, {})
    assert (req.model, req.max_tokens, req.session, req.is_background) == ("", None, None, False)
    assert route_request_from_openai({"max_tokens": True}, {}).max_tokens is None


def test_route_header_and_lowercasing() -> None:
    headers = lower_headers({"X-Fulcrum-Route": " local ", "x-fulcrum-route": "other"})
    assert dict(headers) == {"x-fulcrum-route": " local "}
    assert RouteRequest("anthropic", "m", headers).route_header == "local"
    assert RouteRequest("anthropic", "m").route_header is None
    with pytest.raises(TypeError):
        headers["x"] = "y"  # type: ignore[index]


def test_raw_body_is_used_for_the_estimate() -> None:
    body = claude_code_body()
    raw = json.dumps(body).encode() + b" " * 3500  # padding shows the raw length is used
    without = route_request_from_anthropic(body, {}).estimated_input_tokens
    with_raw = route_request_from_anthropic(body, {}, raw_body=raw).estimated_input_tokens
    assert with_raw >= without + 1000
    openai = route_request_from_openai({"messages": []}, {}, raw_body=b"x" * 35)
    assert openai.estimated_input_tokens == 10
