"""The ledger's ``decision`` JSON: the verdict, the share snapshot taken at the decision (as
``ShareState.as_dict()``) and the request's features, built from what ``note_decision`` keeps."""

from __future__ import annotations

import json
from typing import Any

from fulcrum.gateway.brainroute import Routed, _decision_json
from fulcrum.gateway.config import load_config
from fulcrum.routing.brain.decide import Ask, Brain
from fulcrum.routing.features import extract_features
from fulcrum.routing.router import Router
from fulcrum.routing.sessions import session_store
from fulcrum.routing.share import ShareController

CONFIG = """
[backends.api]
format = "openai"
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
otherwise = "local"
"""


def _routed() -> tuple[Routed, ShareController]:
    config = load_config(text=CONFIG, env={})
    assert config.policy is not None and config.routes is not None
    share = ShareController(target=0.65)
    brain = Brain(config.policy, config.routes, scorer=None, share=share,
                  sessions=session_store(None))  # fmt: skip
    router = Router(config.routes)
    body: dict[str, Any] = {"model": "big", "messages": [{"role": "user", "content": "hi"}]}
    req = router.request("openai", ("max_tokens",), body, {}, json.dumps(body).encode())
    ask = Ask(features=extract_features(req, body, client_key="team"), session=None, lane="main")
    verdict, outcome = brain.decide(ask)
    decision = router.choose_target(req, verdict.target, verdict.reason)
    return Routed(decision, verdict, outcome, ask), share


def test_the_decision_json_keeps_the_verdict_the_share_and_the_features() -> None:
    routed, share = _routed()
    snapshot = share.state()
    data = json.loads(_decision_json(routed, snapshot))
    assert data["share"] == snapshot.as_dict()
    assert {k: data[k] for k in ("side", "reason", "rule")} == {
        "side": "local", "reason": "otherwise", "rule": None,
    }  # fmt: skip
    assert data["features"]["client_key"] == "team" and data["features"]["lane"] == "main"
    assert json.loads(_decision_json(routed, None))["share"] == {}
