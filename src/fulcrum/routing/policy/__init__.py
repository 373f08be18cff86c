"""The routing policy: ordered rules over request features, each decision explained.

``parse_rules`` reads ``[[policy.rules]]`` at start-up (unknown keys and bad values are a
``ConfigError`` naming the field); ``evaluate`` tries every rule against a request's
:class:`~fulcrum.routing.features.RequestFeatures` and says which fired and why.
"""

from fulcrum.routing.policy.conditions import CONDITIONS, Condition, condition
from fulcrum.routing.policy.rules import (
    ROUTES,
    PolicyOutcome,
    Rule,
    RuleCheck,
    evaluate,
    parse_rule,
    parse_rules,
)

__all__ = [
    "CONDITIONS",
    "ROUTES",
    "Condition",
    "PolicyOutcome",
    "Rule",
    "RuleCheck",
    "condition",
    "evaluate",
    "parse_rule",
    "parse_rules",
]
