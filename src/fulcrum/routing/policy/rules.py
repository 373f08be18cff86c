"""Policy rules: ``[[policy.rules]]``, parsed once at start-up, evaluated per request.

```toml
[[policy.rules]]
name = "secrets-stay-home"          # unique; the ledger's reason names it (rule:NAME)
when = { secrets = true }           # every condition must match; no `when`: always matches
never_leaves = true                 # local whatever else says (budget, learned, stickiness)

[[policy.rules]]
name = "escalate-after-failures"
when = { tool_errors_min = 3 }
handoff = true                      # move the whole session to the frontier

[[policy.rules]]
name = "titles"
when = { kind = ["title", "background"] }
route = "local"                     # local | frontier | learned | "backend" | "backend/model"

[[policy.rules]]
name = "subagents-cascade"
when = { kind = ["subagent"], tools = true }
route = "local"
cascade = true                      # local first, verified; the frontier only when it fails
verify = ["tools"]                  # default: every verifier that applies to the request
```

:func:`evaluate` tries every rule and keeps, for each, the first condition that failed, so
the explanation of every rule costs nothing until it is asked for
(:attr:`PolicyOutcome.trace`). The rule that fires: the first matching ``never_leaves``
rule, else the first matching rule in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fulcrum.routing.features import RequestFeatures
from fulcrum.routing.policy.conditions import CONDITIONS, Condition
from fulcrum.tables import Table

ROUTES: tuple[str, ...] = ("local", "frontier", "learned")
RULE_KEYS: tuple[str, ...] = (
    "name", "description", "when", "route", "never_leaves", "handoff", "cascade", "verify",
)  # fmt: skip
# The cascade's verifiers (the gateway's registry, fulcrum.gateway.answer.verifiers, has one
# check per name): tool calls against their schemas, the answer against a JSON schema.
VERIFIERS: tuple[str, ...] = ("tools", "json_schema")
_TARGET = re.compile(r"^[^\s/]+(?:/\S+)?$")
_ROUTE_HELP = 'local, frontier, learned, or a target "backend" or "backend/model"'


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    route: str  # local | frontier | learned | backend[/model], as written
    conditions: tuple[Condition, ...] = ()
    never_leaves: bool = False
    handoff: bool = False
    description: str = ""
    cascade: bool = False  # local first, verified; the frontier only when the check fails
    verify: tuple[str, ...] = ()  # the cascade's verifiers; empty: those that apply

    def first_failure(self, f: RequestFeatures) -> int:
        """The index of the first condition that does not match, or -1 when all match."""
        for index, cond in enumerate(self.conditions):
            if not cond.test(f):
                return index
        return -1


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """One rule tried against one request: whether it matched, fired, and why in words."""

    rule: Rule
    matched: bool
    fired: bool
    why: str


# not frozen: built per request, and a frozen __init__ makes a setattr call per field
@dataclass(slots=True)
class PolicyOutcome:
    rule: Rule | None  # the rule that fired
    rules: tuple[Rule, ...]
    features: RequestFeatures
    failures: tuple[int, ...]  # per rule: the first failing condition, -1 when it matched

    @property
    def trace(self) -> tuple[RuleCheck, ...]:
        """Every rule, in order, with why it did or did not match."""
        return tuple(self._check(r, i) for r, i in zip(self.rules, self.failures, strict=True))

    def _check(self, rule: Rule, failed: int) -> RuleCheck:
        f = self.features
        if failed >= 0:
            return RuleCheck(rule, False, False, rule.conditions[failed].explain(f))
        why = "; ".join(c.explain(f) for c in rule.conditions) or "no conditions: always matches"
        return RuleCheck(rule, True, rule is self.rule, why)


def evaluate(rules: Sequence[Rule], features: RequestFeatures) -> PolicyOutcome:
    """Try every rule; the fired one is the first matching never_leaves rule, else the
    first matching rule."""
    failures = tuple([rule.first_failure(features) for rule in rules])
    fired: Rule | None = None
    for rule, failed in zip(rules, failures, strict=True):
        if failed < 0:
            if rule.never_leaves:
                fired = rule
                break
            if fired is None:
                fired = rule
    return PolicyOutcome(fired, tuple(rules), features, failures)


def parse_rules(t: Table) -> tuple[Rule, ...]:
    """The ``rules`` array of the ``[policy]`` table ``t`` (its other keys are not read)."""
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(t.tables("rules")):
        rule = parse_rule(table)
        if rule.name in seen:
            table.fail(
                "name", f"a name no other rule has (rules[{seen[rule.name]}] has it)", rule.name
            )
        seen[rule.name] = index
        rules.append(rule)
    return tuple(rules)


def parse_rule(t: Table) -> Rule:
    """One ``[[policy.rules]]`` table."""
    t.only(*RULE_KEYS)
    name = t.text("name", required=True).strip()
    never = t.flag("never_leaves")
    handoff = t.flag("handoff")
    if never and handoff:
        t.fail("handoff", "false on a never_leaves rule (it stays on this machine)", True)
    cascade = t.flag("cascade")
    route = _route(t, never=never, handoff=handoff)
    if cascade and (never or handoff or route in ("frontier", "learned")):
        t.fail("cascade", 'true only on a rule with route = "local" or a local target', True)
    return Rule(
        name=name,
        route=route,
        conditions=parse_when(t.table("when")),
        never_leaves=never,
        handoff=handoff,
        description=t.text("description"),
        cascade=cascade,
        verify=_verify(t, cascade),
    )


def parse_when(t: Table) -> tuple[Condition, ...]:
    """The conditions of a ``when`` table, in the order written."""
    t.only(*CONDITIONS)
    found = tuple(CONDITIONS[key](t, key) for key in t.data)
    low, high = t.data.get("min_tokens"), t.data.get("max_tokens")
    if isinstance(low, int) and isinstance(high, int) and low > high:  # it could never match
        t.fail("max_tokens", f"a number of tokens >= min_tokens ({low})", high)
    return found


def _verify(t: Table, cascade: bool) -> tuple[str, ...]:
    if not t.has("verify"):
        return ()
    names = t.str_list("verify", nonempty=True, required=True)
    if not cascade:
        t.fail("verify", "nothing on a rule without cascade = true", list(names))
    for name in names:
        if name not in VERIFIERS:
            t.fail("verify", f"verifiers from {', '.join(VERIFIERS)}", name)
    return tuple(dict.fromkeys(names))


def _route(t: Table, *, never: bool, handoff: bool) -> str:
    fixed = "local" if never else "frontier" if handoff else None
    if fixed is not None:
        route = t.text("route", fixed, nonempty=True).strip()
        if route != fixed:
            why = "a never_leaves rule stays local" if never else "a handoff moves to the frontier"
            t.fail("route", f'"{fixed}" or nothing ({why})', route)
        return route
    route = t.text("route", required=True).strip()
    if route not in ROUTES and _TARGET.match(route) is None:
        t.fail("route", _ROUTE_HELP, route)
    return route
