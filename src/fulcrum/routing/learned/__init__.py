"""The learned router: P(the frontier is needed | request), trained from outcome labels.

    from fulcrum.routing.learned import AgentFeatures, LearnedRouter, load_default
    router = load_default()                      # the model shipped in the package, loaded once
    router.score(text, AgentFeatures(tools=12))  # in [0, 1]; higher = send to the frontier
    router.version                               # a short hash of the model file

See docs/router.md for the features, the label, the metrics and how the shipped model is trained.
"""

from fulcrum.routing.learned.features import AgentFeatures
from fulcrum.routing.learned.model import LearnedRouter, load_default

__all__ = ["AgentFeatures", "LearnedRouter", "load_default"]
