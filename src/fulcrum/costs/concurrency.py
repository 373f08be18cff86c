"""How many boxes N agents need, and what queueing does to latency when they share.

Each agent issues calls at ``calls_per_hour``; a box serves one call at a time in
``service_s`` seconds (prefill + decode of a typical call, from the throughput model).
Arrivals are Poisson and the boxes form an M/M/c queue (Erlang C), so latency grows
sharply as utilisation nears 1 instead of scaling linearly with agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_BOXES = 1000


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability an arriving call waits (Erlang C), for offered load a = lambda/mu < c."""
    if offered_load <= 0:
        return 0.0
    if offered_load >= servers:
        return 1.0
    term = 1.0
    total = 1.0
    for k in range(1, servers):
        term *= offered_load / k
        total += term
    last = term * offered_load / servers * servers / (servers - offered_load)
    return last / (total + last)


@dataclass(frozen=True, slots=True)
class Queueing:
    agents: int
    boxes: int
    service_s: float
    utilisation: float
    wait_s: float

    @property
    def latency_s(self) -> float:
        return self.service_s + self.wait_s

    @property
    def stable(self) -> bool:
        return self.utilisation < 1.0


def shared_latency(
    agents: int, calls_per_hour: float, service_s: float, boxes: int = 1
) -> Queueing:
    """Mean latency of a call when ``agents`` share ``boxes`` machines."""
    lam = agents * calls_per_hour / 3600.0
    load = lam * service_s
    util = load / boxes
    if util >= 1.0:
        return Queueing(agents, boxes, service_s, util, math.inf)
    wait = erlang_c(boxes, load) * service_s / (boxes - load)
    return Queueing(agents, boxes, service_s, util, wait)


def boxes_needed(
    agents: int, calls_per_hour: float, service_s: float, target_latency_s: float
) -> Queueing | None:
    """The fewest boxes that keep mean latency within the target (None if one call alone
    already exceeds it)."""
    if service_s > target_latency_s:
        return None
    for boxes in range(1, MAX_BOXES + 1):
        q = shared_latency(agents, calls_per_hour, service_s, boxes)
        if q.latency_s <= target_latency_s:
            return q
    return None
