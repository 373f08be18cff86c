"""One request as the brain sees it (:class:`Ask`), and the learned router's seam."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from fulcrum.routing.config import TargetSpec
from fulcrum.routing.features import RequestFeatures


class Scorer(Protocol):
    """P(the frontier is needed | request), in [0, 1] (the learned router, adapted)."""

    def __call__(self, features: RequestFeatures, /) -> float: ...


BACKGROUND = "background"


# not frozen: built per request, and a frozen __init__ makes a setattr call per field
@dataclass(slots=True)
class Ask:
    """One request as the brain sees it."""

    features: RequestFeatures
    session: str | None
    lane: str
    escalate: bool = False
    max_tokens: int | None = None
    dry: bool = False  # a dry run (route explain): reads pins, share and budget, changes none
    route: TargetSpec | None = None  # X-Fulcrum-Route's target: the client's own choice
    body: Mapping[str, Any] | None = None  # scanned whole for a session with no pin
