"""Which batch items go to a provider's own batch API, and what is sent for each.

An item is forwarded when the router's chain for it has no local target and an api target
whose backend is in ``[batch] forward`` (the first such one): decided once, when the batch is
created (:func:`triage`), and stored on the item (``forward_backend``), so local claims never
see it. A model that is not configured at all (the router's fallback to the first api backend)
is not forwarded: it ends ``errored`` like any item no backend serves.

The request sent for an item is the one an interactive call to that backend would send:
shaped for the backend's wire format, its model and its ``max_tokens`` clamp (the same
builder the proxy uses), never streaming.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from fulcrum.batch.apis import BatchApi
from fulcrum.batch.queue import Claimed
from fulcrum.batch.runner import Ran, local_route
from fulcrum.batch.store import NewItem
from fulcrum.errors import FulcrumError
from fulcrum.gateway.answer.translate import dumps, upstream_body
from fulcrum.gateway.state import GatewayState
from fulcrum.gateway.upstream.formats import ApiFormat
from fulcrum.routing.router import RouteTarget

REASON = "batch-forward"  # the route_reason of a forwarded item's ledger row


def forward_target(
    state: GatewayState, fmt: ApiFormat, body: dict[str, Any], forward: Sequence[str]
) -> RouteTarget | None:
    """The api target the item goes to through its provider's batch API, or None."""
    if not forward:
        return None
    router = state.routing()
    try:
        req = router.request(fmt.name, fmt.max_tokens_keys, fmt.routing_view(body), {}, dumps(body))
        decision = router.choose(req, record=False)
    except FulcrumError:
        return None  # refused when it runs, saying why
    if decision.reason == "default" and router.config.default is None:
        return None  # a model nobody configured
    if any(t.kind == "local" for t in decision.chain):
        return None
    return next((t for t in decision.chain if t.backend in forward), None)


def triage(
    state: GatewayState, api: BatchApi, items: list[NewItem], forward: Sequence[str]
) -> list[NewItem]:
    """The items, each marked with the api backend that runs it when it is forwarded, or with
    its errored result when nothing can run it (it need not wait for the run window)."""
    out: list[NewItem] = []
    for item in items:
        routed = local_route(state, api, item.body, dumps(item.body))
        if not isinstance(routed, Ran):  # a local route: it runs here (never forwarded)
            out.append(item)
            continue
        target = forward_target(state, api.fmt, item.body, forward)
        refused = (routed.status_code, routed.result or {})
        out.append(
            replace(item, forward=target.backend) if target else replace(item, refused=refused)
        )
    return out


def item_target(state: GatewayState, api: BatchApi, item: Claimed, backend: str) -> RouteTarget:
    """The item's target on ``backend`` (routed again: the router is pure); the requested
    model there when the route has moved since the batch was created."""
    routed = forward_target(state, api.fmt, item.body, (backend,))
    if routed is not None and routed.backend == backend:
        return routed
    return RouteTarget(backend, str(item.body.get("model", "")), "api", None, None)


def provider_body(state: GatewayState, api: BatchApi, item: Claimed, backend: str) -> Any:
    """The request for ``item`` in the backend's format, for its provider batch."""
    target = item_target(state, api, item, backend)
    raw = dumps(item.body)
    out = upstream_body(api.fmt, item.body, raw, fmt=state.backends[backend].format,
                        model=target.model, max_tokens=target.max_tokens,
                        stream=False)  # fmt: skip
    return json.loads(out)
