"""Which options may be recommended: seed 003's framework plus the feasibility rules.

Every option leaves here either eligible or with the rules that excluded it, each stating
the numbers it used (``OptionResult.why_not``). Feasibility (fit, capacity, closed weights,
an unassessed capability tax) is decided where the option is built (:mod:`.local`); these
are the rules about the team:

``privacy``          ``constraints.local_only``: only local options (an unassessed tax is
                     then shown but does not exclude: there is no alternative), and a
                     private tenant with ``private_tenant_ok = true``.
``few-agents``       under three active agents, local and hybrid stay off (seed 003: stay on
                     the API).
``under-five``       three or four agents: seed 003 moves coding work local from five.
``never-amortizes``  a local option whose break-even month is past the horizon, or never.
``costs-more``       five or more agents, but local costs more than the API incl. tax.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from fulcrum.costs.results import OptionResult, Rule
from fulcrum.costs.scenario import Scenario

FEW_AGENTS = 3
MANY_AGENTS = 5


def _exclude(o: OptionResult, rule: Rule) -> OptionResult:
    return replace(o, why_not=(*o.why_not, rule))


def _amortizes(sc: Scenario, o: OptionResult) -> Rule | None:
    months = sc.horizon_years * 12
    be = o.detail.get("break_even_month")
    if be is not None and Decimal(be) <= months:
        return None
    seen = "never (running cost at or above the API bill)" if be is None else f"month {be}"
    return Rule(
        "never-amortizes", "breaks even after the horizon", f"break-even {seen} > {months:g} months"
    )


def _few_agents(agents: int) -> Rule:
    return Rule(
        "few-agents",
        "under three active agents seed 003 keeps the team on the API",
        f"agents = {agents} (< {FEW_AGENTS})",
    )


def _team_rule(sc: Scenario, o: OptionResult, api: Decimal) -> Rule | None:
    agents = sc.api.agents
    if agents < FEW_AGENTS:
        return _few_agents(agents)
    if agents < MANY_AGENTS:
        return Rule(
            "under-five",
            "seed 003 moves coding work local from five agents; hybrid below that",
            f"agents = {agents} (< {MANY_AGENTS})",
        )
    if o.total_monthly >= api:
        return Rule(
            "costs-more",
            "costs more than the API including the capability tax",
            f"${o.total_monthly:,.0f}/month vs ${api:,.0f}",
        )
    return None


def apply_rules(
    sc: Scenario, options: list[OptionResult], api: Decimal
) -> tuple[list[Rule], list[OptionResult]]:
    """The options with their exclusions filled in, and the team-level rules that fired."""
    rules: list[Rule] = []
    constraints = sc.section("constraints") or {}
    if bool(constraints.get("local_only", False)):
        allowed = {"local"} | (
            {"private_tenant"} if constraints.get("private_tenant_ok") else set()
        )
        rules.append(
            Rule(
                "privacy",
                "data may not leave the machine: " + " or ".join(sorted(allowed)),
                "constraints.local_only",
            )
        )
        off = Rule("privacy", "data may not leave the machine", "constraints.local_only = true")
        return rules, [
            replace(o, why_not=tuple(r for r in o.why_not if r.id != "tax-not-assessed"))
            if o.kind in allowed
            else _exclude(o, off)
            for o in options
        ]
    out: list[OptionResult] = []
    for option in options:
        o = option
        if o.kind == "local":
            for rule in (_team_rule(sc, option, api), _amortizes(sc, option)):
                if rule is not None:
                    o = _exclude(o, rule)
        elif o.kind == "hybrid" and sc.api.agents < FEW_AGENTS:  # it buys the box too
            o = _exclude(o, _few_agents(sc.api.agents))
        out.append(o)
    _summarise(sc, out, rules, api)
    return rules, out


def _summarise(sc: Scenario, options: list[OptionResult], rules: list[Rule], api: Decimal) -> None:
    """Team-level rules for the "rules fired" table, with the options' numbers."""
    locals_ = [o for o in options if o.kind == "local"]
    agents = sc.api.agents
    ids = {r.id for o in locals_ for r in o.why_not}
    if "few-agents" in ids:
        be = "; ".join(
            f"{o.name} breaks even in month {o.detail.get('break_even_month') or 'never'}"
            for o in locals_
        )
        rules.append(
            Rule(
                "few-agents",
                "under three active agents seed 003 keeps the team on the API",
                f"agents = {agents}; {be} ({sc.horizon_years * 12:g}-month horizon)",
            )
        )
    elif agents >= MANY_AGENTS and any(o.eligible for o in locals_):
        rules.append(
            Rule(
                "move-local",
                "five or more agents and a tolerable capability tax",
                f"agents = {agents}",
            )
        )
    for o in locals_:
        saving = api - o.money_monthly
        if o.capability_tax_monthly > max(saving, Decimal(0)) and o.capability_tax_monthly > 0:
            rules.append(
                Rule(
                    "capability-tax-dominates",
                    f"{o.name}: the capability tax exceeds the API savings",
                    f"tax ${o.capability_tax_monthly:,.0f}/month vs savings ${saving:,.0f}/month",
                )
            )
