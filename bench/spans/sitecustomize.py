"""Loaded by ``bench/gateway_spans.py`` into the ``fulcrum serve`` it starts (this folder goes
first on its ``PYTHONPATH``): times each chat request's spans inside the gateway and writes
them to ``$FULCRUM_SPANS_OUT`` (JSON, milliseconds) when the process exits. Nothing else
loads it; the gateway itself has no timing hooks on its path.

- ``route``: the routing decision (``proxy.route_call``: the route request, and with a
  ``[policy]`` the brain's features, rules, learned score, share, budget and chain);
- ``before_send``: from the body read to the upstream call (checks, route, the decision's note);
- ``after_answer``: from the upstream's answer to the end of the client's answer;
- ``serve``: the whole of ``proxy._serve``;
- ``row``: a finished call's ledger row built, priced, counted and encoded (``Meter.flush``,
  on the loop while it waits on the next upstream: in no span above), per row.

``$FULCRUM_SPANS_WITHOUT`` (``gateway_spans.py --without``) takes one part of the brain
gateway's work out, to time what it costs: ``scorer``, the learned router, gives a uniform
random score instead (the share controller calibrates its threshold on it and keeps the same
local share, so the budget's share of the work stays too); ``features`` reuses the first
request's features for every request (the bench sends one body throughout); ``rows`` hands no
finished call to the ledger (no row built, priced or inserted). The file then also says how
many times the stand-in was called (``stood_in``), so the bench can check it served.
"""

from __future__ import annotations

import atexit
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

OUT = os.environ.get("FULCRUM_SPANS_OUT")
WITHOUT = os.environ.get("FULCRUM_SPANS_WITHOUT")
SPANS = ("route", "before_send", "after_answer", "serve", "row")
STOOD_IN = [0]  # calls of the part's stand-in


def _install(out: str) -> None:
    from fulcrum.gateway import proxy  # noqa: PLC0415 - only inside the gateway started here
    from fulcrum.gateway.meter import Meter  # noqa: PLC0415

    clock = time.perf_counter
    spans: dict[str, list[float]] = {s: [] for s in SPANS}
    marks: dict[str, float] = {}
    read, route_call = proxy._read, proxy.route_call
    open_chain, serve = proxy.open_chain, proxy._serve

    def timed_read(*a: Any, **k: Any) -> Any:
        marks["read"] = clock()
        return read(*a, **k)

    async def timed_route(*a: Any, **k: Any) -> Any:
        start = clock()
        routed = await route_call(*a, **k)
        spans["route"].append((clock() - start) * 1000)
        return routed

    async def timed_open(*a: Any, **k: Any) -> Any:
        spans["before_send"].append((clock() - marks["read"]) * 1000)
        opened = await open_chain(*a, **k)
        marks["answer"] = clock()
        return opened

    async def timed_serve(*a: Any, **k: Any) -> None:
        await serve(*a, **k)
        end = clock()
        spans["after_answer"].append((end - marks["answer"]) * 1000)
        spans["serve"].append((end - marks["read"]) * 1000)

    flush = Meter.flush

    def timed_flush(meter: Any) -> None:
        rows, start = len(meter._ended), clock()
        flush(meter)
        if rows:
            spans["row"].append((clock() - start) * 1000 / rows)

    Meter.flush = timed_flush  # type: ignore[method-assign]
    proxy._read, proxy.route_call = timed_read, timed_route
    proxy.open_chain, proxy._serve = timed_open, timed_serve

    def written() -> str:
        return json.dumps({**spans, "stood_in": STOOD_IN[0]})

    atexit.register(lambda: Path(out).write_text(written()))


def _without_scorer() -> None:
    from fulcrum.gateway import brainsetup  # noqa: PLC0415 - only inside the gateway

    def uniform(features: Any) -> float:
        STOOD_IN[0] += 1
        return random.random()

    brainsetup.policy_scorer = lambda policy: uniform


def _without_features() -> None:
    from fulcrum.gateway import brainroute  # noqa: PLC0415 - only inside the gateway

    extract = brainroute.extract_features
    first: list[Any] = []  # the first request's features

    def reused(*a: Any, **k: Any) -> Any:
        STOOD_IN[0] += 1
        if not first:
            first.append(extract(*a, **k))
        return first[0]

    brainroute.extract_features = reused


def _without_rows() -> None:
    from fulcrum.gateway.meter import Meter  # noqa: PLC0415 - only inside the gateway

    flush = Meter.flush

    def dropped(meter: Any) -> None:
        STOOD_IN[0] += len(meter._ended)
        meter._ended = []
        flush(meter)  # its timer and its state as after a flush, with nothing handed over

    Meter.flush = dropped  # type: ignore[method-assign]


LEAVE_OUT = {"scorer": _without_scorer, "features": _without_features, "rows": _without_rows}

if OUT and "serve" in sys.argv:
    _install(OUT)
    if WITHOUT:
        LEAVE_OUT[WITHOUT]()
