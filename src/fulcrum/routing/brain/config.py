"""The ``[policy]`` table: rules, the local-share target, the learned router, budget, latency.

```toml
[policy]
target_local_share = 0.65     # the share of requests the learned router keeps local
local = "llama"               # what "local" means in a rule (default: routes.background,
frontier = "anthropic"        #   else the first local backend); "frontier" likewise
otherwise = "learned"         # when no rule fires: "learned", "local", "frontier" or a target
condense_handoffs = true      # a session moved to the frontier goes with its history condensed
learned_model = "router.json" # omitted: the model shipped with fulcrum

[[policy.rules]]              # ordered; see docs/policy.md
name = "secrets-stay-home"
when = { secrets = true }
route = "local"
never_leaves = true

[policy.budget]               # frontier spend limits (see docs/policy.md)
daily_usd = 20

[policy.latency]              # the local latency SLO
ttft_ms_max = 4000
```

The policy may also be its own file holding the same ``[policy]`` table (``--policy``).
Every key is checked at start-up: an unknown key or a bad value names its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from fulcrum.errors import ConfigError
from fulcrum.routing.budget import BudgetConfig, parse_budget
from fulcrum.routing.config import RoutingConfig, TargetSpec
from fulcrum.routing.policy import Rule, parse_rules
from fulcrum.routing.policy.matchers import NameCondition
from fulcrum.routing.slo import LatencyConfig, parse_latency
from fulcrum.tables import Table
from fulcrum.textfiles import read_toml

KEYS = (
    "rules", "target_local_share", "local", "frontier", "otherwise", "learned_model",
    "share_window", "budget", "latency", "condense_handoffs", "conversation_sessions",
)  # fmt: skip
SIDES = ("local", "frontier")
LEARNED = "learned"


MAX_SHARE_WINDOW = 100_000  # scores kept and sorted every 20 decisions: bounded


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """The parsed ``[policy]`` table, every route resolved against the configured backends."""

    rules: tuple[Rule, ...]
    routes: Mapping[str, TargetSpec]  # a rule's route (or "otherwise") -> its target
    target_local_share: float = 0.65
    otherwise: str = LEARNED
    learned_model: Path | None = None
    share_window: int = 500
    budget: BudgetConfig | None = None
    latency: LatencyConfig | None = None
    source: str = "<config>"
    # a session moved to the frontier goes with its history condensed (fulcrum.wire.condense)
    condense_handoffs: bool = True
    # a request that names no session is pinned as its conversation (its opening's hash:
    # fulcrum.routing.sessions.conversation), not decided anew at every turn
    conversation_sessions: bool = True

    @property
    def local(self) -> TargetSpec:
        return self.routes["local"]

    @property
    def frontier(self) -> TargetSpec:
        return self.routes["frontier"]

    @property
    def uses_learned(self) -> bool:
        """Whether any decision can reach the learned router."""
        return self.otherwise == LEARNED or any(r.route == LEARNED for r in self.rules)

    @property
    def reads_secrets(self) -> bool:
        """Whether a rule has a ``secrets`` condition (a whole-request scan can matter)."""
        return any(c.key == "secrets" for r in self.rules for c in r.conditions)

    def client_keys_named(self) -> list[tuple[str, str]]:
        """(field, name) of every client key the policy names: a per-key budget, a rule's
        ``when.client_key`` (:meth:`GatewayConfig.check_policy` checks them)."""
        named = [
            (f"budget.keys.{name}", name) for name in (self.budget.keys if self.budget else ())
        ]
        for i, rule in enumerate(self.rules):
            for cond in rule.conditions:
                if isinstance(cond, NameCondition) and cond.key == "client_key":
                    named += [(f"rules[{i}].when.client_key", name) for name in cond.listed]
        return named

    def target(self, route: str) -> TargetSpec:
        """The target of a rule's ``route`` (``local``, ``frontier`` or ``backend[/model]``)."""
        return self.routes[route]


def parse_policy(
    data: Mapping[str, Any], routing: RoutingConfig, *, file: str | None, base: Path
) -> PolicyConfig:
    """Parse a ``[policy]`` table; targets are checked against ``routing``'s backends."""
    t = Table(data, file, "policy")
    parts = _parse_parts(t, base)
    routes = {
        "local": _side(t, routing, "local", _default_local(routing)),
        "frontier": _side(t, routing, "frontier", _default_frontier(routing)),
    }
    for index, rule in enumerate(parts.rules):
        _add_route(routes, routing, rule.route, t, f"rules[{index}].route")
    _add_route(routes, routing, parts.otherwise, t, "otherwise")
    return PolicyConfig(routes=routes, **parts._asdict())


class _Parts(NamedTuple):
    """A ``[policy]`` table but its routes' targets (which need the gateway's backends)."""

    rules: tuple[Rule, ...]
    target_local_share: float
    otherwise: str
    learned_model: Path | None
    share_window: int
    budget: BudgetConfig | None
    latency: LatencyConfig | None
    source: str
    condense_handoffs: bool
    conversation_sessions: bool


def _parse_parts(t: Table, base: Path) -> _Parts:
    """Every key checked, every value but the routes' targets parsed."""
    t.only(*KEYS)
    model = t.opt_text("learned_model")
    for side in SIDES:  # resolved against the backends by the caller
        t.opt_text(side)
    return _Parts(
        rules=parse_rules(t),
        target_local_share=t.number("target_local_share", 0.65, low=0.0, high=1.0),
        otherwise=t.text("otherwise", LEARNED, nonempty=True),
        learned_model=(base / Path(model).expanduser()) if model else None,
        share_window=t.integer("share_window", 500, low=20, high=MAX_SHARE_WINDOW),
        budget=parse_budget(t.table("budget")) if t.has("budget") else None,
        latency=parse_latency(t.table("latency")) if t.has("latency") else None,
        source=t.file or "<config>",
        condense_handoffs=t.flag("condense_handoffs", True),
        conversation_sessions=t.flag("conversation_sessions", True),
    )


def load_policy_file(path: Path, routing: RoutingConfig) -> PolicyConfig:
    """A policy file: TOML holding one ``[policy]`` table (nothing else)."""
    data = _read_policy_file(path)
    return parse_policy(data.get("policy", {}), routing, file=str(path), base=path.parent)


def check_policy_file(path: Path) -> tuple[tuple[Rule, ...], str]:
    """A policy file read without a gateway config: every key and value checked but the
    routes' targets (no backends to resolve them against); its rules and ``otherwise``."""
    data = _read_policy_file(path)
    parts = _parse_parts(Table(data.get("policy", {}), str(path), "policy"), path.parent)
    return parts.rules, parts.otherwise


def _read_policy_file(path: Path) -> dict[str, Any]:
    data = read_toml(path)
    Table(data, str(path), "").only("policy")
    return data


def _side(t: Table, routing: RoutingConfig, key: str, default: TargetSpec | None) -> TargetSpec:
    """``local`` or ``frontier``: a backend of that kind (a never_leaves request goes to
    ``local``: an api backend there would send it off the machine)."""
    kind = "api" if key == "frontier" else "local"
    target = _parse_target(routing, t.text(key, required=True), t, key) if t.has(key) else default
    if target is None:
        t.fail(key, f"a backend of kind {kind} to route to")
    actual = routing.backend(target.backend).kind  # a default is always of its kind
    if actual != kind:
        t.fail(key, f"a backend of kind {kind}, got {target.backend!r} (kind {actual})")
    return target


def _add_route(
    routes: dict[str, TargetSpec], routing: RoutingConfig, route: str, t: Table, key: str
) -> None:
    if route == LEARNED or route in routes:
        return
    routes[route] = _parse_target(routing, route, t, key)


def _parse_target(routing: RoutingConfig, value: str, t: Table, key: str) -> TargetSpec:
    try:
        return routing.parse_target(value, field=t.path(key))
    except ConfigError as exc:
        detail = f"{exc.detail}; or one of: local, frontier, {LEARNED}"
        raise ConfigError(detail, file=t.file, field=exc.field) from None


def _default_local(routing: RoutingConfig) -> TargetSpec | None:
    background = routing.background
    if background is not None and routing.backend(background.backend).kind == "local":
        return background
    local = next((b for b in routing.backends if b.kind == "local"), None)
    return TargetSpec(local.name) if local is not None else None


def _default_frontier(routing: RoutingConfig) -> TargetSpec | None:
    if routing.default is not None and routing.backend(routing.default.backend).kind == "api":
        return routing.default
    api = next((b for b in routing.backends if b.kind == "api"), None)
    return TargetSpec(api.name) if api is not None else None
