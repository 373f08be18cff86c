"""The brain scans a request whole when its session has no pin, its new part when one does."""

from __future__ import annotations

import json
from typing import Any

from fulcrum.gateway.config import load_config
from fulcrum.routing.brain.decide import Ask, Brain
from fulcrum.routing.features import extract_features
from fulcrum.routing.router import Router
from fulcrum.routing.sessions import session_store
from fulcrum.routing.share import ShareController

AWS = "AKIA" + "Q7ZL3MX2B9TR4WNP"  # assembled, so the file holds no key-shaped literal
CONFIG = """
[backends.api]
format = "anthropic"
base_url = "http://127.0.0.1:9"
kind = "api"
models = ["big"]
[backends.local]
format = "openai"
base_url = "http://127.0.0.1:9"
kind = "local"
models = ["small"]
[routes]
default = "api/big"
[policy]
otherwise = "frontier"
[[policy.rules]]
name = "secrets-stay-home"
when = { secrets = true }
never_leaves = true
"""


def make_brain(config_text: str = CONFIG) -> tuple[Brain, Router]:
    config = load_config(text=config_text, env={})
    assert config.policy is not None and config.routes is not None
    brain = Brain(config.policy, config.routes, scorer=None, share=ShareController(target=0.5),
                  sessions=session_store(None))  # fmt: skip
    return brain, Router(config.routes)


def decide(
    brain: Brain, router: Router, messages: list[Any], session: str | None
) -> tuple[Ask, str]:
    """The ask as the brain left it, and the side it chose."""
    body: dict[str, Any] = {"model": "big", "max_tokens": 9, "messages": messages}
    req = router.request("anthropic", ("max_tokens",), body, {}, json.dumps(body).encode())
    ask = Ask(features=extract_features(req, body), session=session, lane="main", body=body)
    verdict, _ = brain.decide(ask)
    return ask, verdict.side


def turns(*texts: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for text in texts:
        out += [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}]
    return out[:-1]


def test_a_conversation_first_met_mid_way_is_scanned_whole() -> None:
    brain, router = make_brain()
    resumed = turns(f"my key is {AWS}", "thanks, now refactor main.py")
    for session in ("new-id", None):  # an unseen session, or none (no pin to vouch)
        ask, side = decide(brain, router, resumed, session)
        assert ask.features.scanned == "whole" and ask.features.secrets == ("aws-access-key",)
        assert side == "local"


def test_a_pinned_turn_scans_only_what_is_new() -> None:
    brain, router = make_brain()
    assert decide(brain, router, turns("explain this"), "s")[1] == "frontier"
    ask, side = decide(brain, router, turns("explain this", "and that"), "s")
    assert (ask.features.scanned, side) == ("new", "frontier")  # the pin vouches for the rest
    _, side = decide(brain, router, turns("explain this", "and that", f"key {AWS}"), "s")
    assert side == "local"  # a new secret still holds it local


def test_no_whole_scan_when_no_rule_reads_secrets() -> None:
    brain, router = make_brain(CONFIG.split("[[policy.rules]]", maxsplit=1)[0])
    ask, _ = decide(brain, router, turns(f"my key is {AWS}", "thanks"), None)
    assert (ask.features.scanned, ask.features.secrets) == ("new", ())
