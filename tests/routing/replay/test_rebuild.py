"""Recorded rows rebuilt for the brain: from the body, from the recorded features, or not."""

from __future__ import annotations

import dataclasses
import json

from fulcrum.gateway.config import load_config
from fulcrum.ledger import LedgerRow
from fulcrum.routing.config import RoutingConfig
from fulcrum.routing.replay.rebuild import BODY, FEATURES, Item, NotReplayable, rebuild
from fulcrum.routing.tokens import estimate_request_tokens

from .recorded import AWS_KEY, GATEWAY, at, body, features, row


def _routing() -> RoutingConfig:
    routes = load_config(text=GATEWAY.format(ledger="unused.db")).routes
    assert routes is not None
    return dataclasses.replace(routes, background_models=("*haiku*",))


ROUTING = _routing()


def item(r: LedgerRow) -> Item:
    got = rebuild(r, ROUTING)
    assert isinstance(got, Item)
    return got


def test_a_body_is_read_as_the_gateway_read_it() -> None:
    stored = body(f"deploy\n{AWS_KEY}")
    recorded = features(client_key="ci")
    got = item(row("S", at(1, 0), local=False, client="claude-cli/2.1", request_body=stored,
                   decision=recorded))  # fmt: skip
    assert got.origin == BODY and got.lane == "main" and not got.escalate
    assert got.req.session == "S" and got.req.max_tokens == 1000
    assert got.features.user_agent == "claude-cli/2.1" and got.features.client_key == "ci"
    assert "aws-access-key" in got.features.secrets
    assert got.features.text.startswith("deploy")


def test_a_stored_body_is_estimated_from_its_bytes_as_the_gateway_did() -> None:
    stored = json.dumps(json.loads(body("説明してください " * 400)))  # \\u-escaped, as sent
    got = item(row("S", at(1, 0), local=False, request_body=stored))
    assert got.req.estimated_input_tokens == estimate_request_tokens(
        json.loads(stored), stored.encode()
    )


def test_a_responses_body_is_read_as_its_conversation() -> None:
    """A stored Responses request (``/v1/responses``) is read in its routing view."""
    text = {"type": "input_text", "text": f"ship\n{AWS_KEY}"}
    stored = json.dumps({
        "model": "gpt-5", "instructions": "You are a coding agent.", "max_output_tokens": 500,
        "input": [{"role": "user", "content": [text]}],
    })  # fmt: skip
    got = item(row("S", at(1, 0), local=False, endpoint="/v1/responses", request_body=stored))
    assert got.origin == BODY and got.req.api == "responses" and got.req.max_tokens == 500
    assert "aws-access-key" in got.features.secrets
    assert got.features.text.startswith("ship") and got.features.turn == 1


def test_a_subagent_told_by_a_header_stays_one_with_its_lane() -> None:
    """Codex's sub-agents say so in headers, which are not stored: the recorded kind and lane
    hold where the body alone reads as the main loop."""
    stored = json.dumps({"model": "gpt-5", "input": "list the files", "tools": [
        {"type": "function", "name": "exec_command", "parameters": {"type": "object"}}],
        "instructions": "You are a coding agent running in the Codex CLI."})  # fmt: skip
    recorded = features(kind="subagent", lane="sub:5f0c1a2b3c4d")
    got = item(row("S", at(1, 0), local=True, endpoint="/v1/responses", request_body=stored,
                   decision=recorded))  # fmt: skip
    assert (got.features.kind, got.lane) == ("subagent", "sub:5f0c1a2b3c4d")
    main = item(row("S", at(1, 0), local=True, endpoint="/v1/responses", request_body=stored))
    assert (main.features.kind, main.lane) == ("main", "main")
    for told, lane_of in (("compaction", "main"), ("background", "background")):
        recorded = features(kind=told, lane=lane_of)  # Codex's compact, memory_consolidation
        got = item(row("S", at(1, 0), local=True, endpoint="/v1/responses",
                       request_body=stored, decision=recorded))  # fmt: skip
        assert (got.features.kind, got.lane) == (told, lane_of)


def test_recorded_features_without_a_body() -> None:
    recorded = features(kind="subagent", tools=4, tokens=9000, secrets=["jwt"], turn=3,
                        model="claude-haiku-4-5", repo="shop")  # fmt: skip
    got = item(row("S", at(1, 30), local=True, decision=recorded, frontier_score=0.7,
                   route_reason="escalate:header"))  # fmt: skip
    f = got.features
    assert got.origin == FEATURES and got.recorded_score == 0.7 and got.escalate
    assert (f.kind, f.tool_count, f.has_tools, f.estimated_tokens) == ("subagent", 4, True, 9000)
    assert (f.secrets, f.turn, f.repo, f.text) == (("jwt",), 3, "shop", "")
    assert got.lane.startswith("sub:") and got.req.is_background
    assert (f.hour, f.minute) == (at(1, 30).astimezone().hour, 30)


def test_the_recorded_output_limit_prices_the_reservation() -> None:
    # it was dropped: every replayed frontier call reserved 4,096 output tokens
    limited = item(row("S", at(1, 30), local=False, decision=features(max_tokens=1000)))
    assert limited.req.max_tokens == 1000
    older = item(row("S", at(1, 30), local=False, decision=features()))  # none recorded
    assert older.req.max_tokens is None


def test_rows_that_cannot_be_replayed_say_why() -> None:
    cases = {
        "neither a stored body nor recorded features": row("X", at(1, 0), local=False),
        "the stored body is not JSON": row("X", at(1, 0), local=False, request_body="{"),
        "the stored body is not a JSON object": row("X", at(1, 0), local=False, request_body="[1]"),
        "endpoint /v1/embeddings is not a chat endpoint": row(
            "X", at(1, 0), local=False, request_body="{}", endpoint="/v1/embeddings"
        ),
    }
    for why, r in cases.items():
        got = rebuild(r, ROUTING)
        assert isinstance(got, NotReplayable) and got.why == why
