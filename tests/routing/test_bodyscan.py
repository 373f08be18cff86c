"""The whole-request scan: every text of a body that would be sent, binary payloads skipped."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from fulcrum.routing.bodyscan import WHOLE, request_texts, scan_request, scan_whole
from fulcrum.routing.features import extract_features
from fulcrum.routing.request import route_request_from_anthropic

AWS = "AKIA" + "Q7ZL3MX2B9TR4WNP"  # assembled, so the file holds no key-shaped literal
RANDOM = "Zq8Xk2Lm9Pw4Rt7Yb3Nc6Vd1Hs5Jg0Fa"  # high-entropy when scanned as text
SECRET_TEXT = f"aws_access_key_id = {AWS}"


def body(*content: Any, **extra: Any) -> dict[str, Any]:
    return {
        "model": "m",
        "max_tokens": 9,
        "messages": [{"role": "user", "content": list(content)}],
        **extra,
    }


def text_source_document() -> dict[str, Any]:
    return {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": SECRET_TEXT},
    }


@pytest.mark.parametrize(
    "request_body",
    [
        body(text_source_document()),
        body(
            {
                "type": "document",
                "source": {"type": "content", "content": [{"type": "text", "text": SECRET_TEXT}]},
            }
        ),
        body(
            {
                "type": "search_result",
                "source": "https://x",
                "title": "t",
                "content": [{"type": "text", "text": SECRET_TEXT}],
            }
        ),
        body({"type": "tool_result", "tool_use_id": "t1", "content": [text_source_document()]}),
        body(
            {"type": "text", "text": "hi"},
            tools=[
                {
                    "name": "deploy",
                    "description": f"uses {SECRET_TEXT}",
                    "input_schema": {"type": "object"},
                }
            ],
        ),
        body({"type": "a_block_type_of_next_year", "payload": {"notes": [SECRET_TEXT]}}),
    ],
    ids=[
        "document-text",
        "document-content",
        "search-result",
        "tool-result-document",
        "tool-description",
        "any-shape",
    ],
)
def test_every_text_bearing_string_is_scanned(request_body: dict[str, Any]) -> None:
    assert "aws-access-key" in scan_request(request_body)


def test_a_string_value_reads_as_its_key_assigned() -> None:
    call = {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "db",
        "input": {"password": "Xk9mQ2pL7zR4"},
    }
    texts = request_texts({"messages": [{"role": "assistant", "content": [call]}]})
    assert 'password: "Xk9mQ2pL7zR4"' in texts
    assert "env-assignment" in scan_request(
        {"messages": [{"role": "assistant", "content": [call]}]}
    )


def test_a_tool_input_string_is_a_literal_with_its_punctuation() -> None:
    call = {"type": "tool_use", "id": "t", "name": "db", "input": {"db_password": "Xk9$mQ2!pL"}}
    assert "env-assignment" in scan_request(
        {"messages": [{"role": "assistant", "content": [call]}]}
    )


def test_binary_payloads_and_api_ids_are_not_read() -> None:
    blob = base64.b64encode(bytes(range(256)) * 2).decode()[:300] + RANDOM
    request_body = body(
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": RANDOM}},
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": blob},
        },
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{RANDOM}"}},
        {"type": "input_audio", "input_audio": {"data": RANDOM, "format": "wav"}},
        {"type": "tool_result", "tool_use_id": f"srvtoolu_{RANDOM}", "content": "ok"},
    )
    request_body["messages"].insert(
        0,
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "hm", "signature": RANDOM},
                {"type": "redacted_thinking", "data": RANDOM},
            ],
        },
    )
    assert not any(RANDOM in text for text in request_texts(request_body))
    assert scan_request(request_body) == ()
    assert scan(RANDOM) == ("high-entropy",)  # what each of them would have read as


def scan(text: str) -> tuple[str, ...]:
    return scan_request({"text": text})


def test_an_assistant_prefill_is_scanned_whole() -> None:
    messages = [
        {"role": "user", "content": f"my key is {AWS}"},
        {"role": "assistant", "content": "Here is the config:"},
    ]
    prefill = {"model": "m", "max_tokens": 9, "messages": messages}
    f = extract_features(route_request_from_anthropic(prefill, {}), prefill)
    assert (f.scanned, f.secrets) == (WHOLE, ("aws-access-key",))


def test_scan_whole_widens_a_new_part_scan() -> None:
    messages = [
        {"role": "user", "content": f"my key is {AWS}"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "thanks"},
    ]
    later = {"model": "m", "max_tokens": 9, "messages": messages}
    f = extract_features(route_request_from_anthropic(later, {}), later)
    assert (f.scanned, f.secrets) == ("new", ())  # the pinned-turn fast path
    scan_whole(f, later)
    assert (f.scanned, f.secrets) == (WHOLE, ("aws-access-key",))
