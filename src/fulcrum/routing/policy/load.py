"""What ``route explain`` and ``route replay`` read: a request body, the gateway config
with its policy, or the rules alone.

With a gateway config (``--config``), :func:`load_gateway` returns it whole, its
``[policy]`` replaced by a policy file's when ``--policy`` is given, every route checked
against the config's backends, as ``fulcrum serve --policy`` does. A policy file alone
(:func:`load_rules`) gives its rules, every key and value checked but the routes' targets,
which name backends no config defines here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fulcrum.errors import InputError
from fulcrum.gateway.config import GatewayConfig, load_config, with_policy_file
from fulcrum.routing.brain.config import check_policy_file
from fulcrum.routing.policy.rules import Rule
from fulcrum.routing.request import DEFAULT_BACKGROUND_MODELS

LEARNED = "learned"


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    otherwise: str = LEARNED
    source: str | None = None
    background_models: tuple[str, ...] = DEFAULT_BACKGROUND_MODELS


def read_request(path: Path) -> dict[str, Any]:
    """A request body: one JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from None
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(
            f"{path}: expected a JSON object (a request body), got {type(data).__name__}"
        )
    try:  # text the gateway refuses (a lone UTF-16 surrogate), as it refuses it
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise InputError(f"{path}: a string holds a lone UTF-16 surrogate; strings must be "
                         "valid Unicode (the gateway answers it 400)") from None  # fmt: skip
    return data


def load_gateway(config: Path, policy: Path | None) -> GatewayConfig:
    """The gateway config, with the policy file's ``[policy]`` in place of its own."""
    gateway = load_config(config)
    gateway = with_policy_file(gateway, policy) if policy is not None else gateway
    gateway.check_policy()  # as serve checks it: a policy serve refuses gets no explanation
    return gateway


def load_rules(config: Path | None, policy: Path | None) -> RuleSet:
    if config is None and policy is None:
        raise InputError(
            "give --config GATEWAY.toml or --policy POLICY.toml (the rules to explain)"
        )
    gateway = load_config(config) if config is not None else None
    background = _background(gateway)
    if policy is not None:
        rules, otherwise = check_policy_file(policy)
        return RuleSet(rules, otherwise, str(policy), background)
    assert gateway is not None
    brain = gateway.policy
    if brain is None:
        return RuleSet((), LEARNED, f"{config} (no [policy])", background)
    return RuleSet(tuple(brain.rules), brain.otherwise, str(config), background)


def _background(gateway: GatewayConfig | None) -> tuple[str, ...]:
    if gateway is None or gateway.routes is None:
        return DEFAULT_BACKGROUND_MODELS
    return gateway.routes.background_models
