"""Route selection: which backend and model serve a request, and the failover chain after it.

Rules, first match wins (the decision's ``reason`` names the rule):

1. ``header`` — an ``X-Fulcrum-Route`` header naming an alias, a backend or ``backend/model``.
2. ``sticky`` — the session already has a target in this lane (main or background).
3. ``background→local`` — the model matches ``background_models`` (Claude Code's small/fast
   model); goes to ``routes.background`` or, by default, the first local backend.
4. ``alias:<pattern>`` — the first alias whose exact name or glob matches the model.
5. ``model`` — a backend lists the requested model in its ``models``.
6. ``default`` — ``routes.default``, else the first api backend, else the first backend.

Then the failover chain is the primary followed by ``routes.fallbacks``. The context-window
guard keeps only targets whose window holds the estimated input; if the primary does not fit,
the request moves to the first that does, in chain order and then in configured backend order
(reason ``context-guard``, or ``context-guard:sticky-broken`` when that breaks stickiness).
``max_tokens`` is clamped to each target's ``max_output_tokens``. Every decision for a request
with a session records its primary as that session's sticky target in the request's lane; the
gateway calls :meth:`Router.pin` when failover moved the session to another target.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from fulcrum.errors import ConfigError, InvalidRequest
from fulcrum.routing.config import Kind, RoutingConfig, TargetSpec, served_model
from fulcrum.routing.request import (
    ROUTE_HEADER,
    RouteRequest,
    is_background_model,
    route_request,
)
from fulcrum.routing.sticky import StickyStore


# not frozen: built per request, and a frozen __init__ makes a setattr call per field
@dataclass(slots=True)
class RouteTarget:
    backend: str
    model: str
    kind: Kind
    context_window: int | None
    max_tokens: int | None

    @property
    def label(self) -> str:
        """``backend/model``, as the ledger's ``route`` column shows it."""
        return f"{self.backend}/{self.model}"

    def fits(self, input_tokens: int) -> bool:
        return self.context_window is None or input_tokens <= self.context_window


@dataclass(slots=True)  # not frozen: as RouteTarget
class RouteDecision:
    chain: tuple[RouteTarget, ...]
    reason: str
    session: str | None = None
    estimated_input_tokens: int = 0

    @property
    def primary(self) -> RouteTarget:
        return self.chain[0]


_Lane = tuple[str, str]
_LOCAL_ONLY: frozenset[str] = frozenset({"local"})
_MODELS_REMEMBERED = 1024  # model names whose route is kept (the config is immutable)


class Router:
    """Pure route selection plus the in-memory session stickiness it needs (thread-safe)."""

    def __init__(self, config: RoutingConfig, *, clock: Callable[[], float] = time.monotonic):
        self.config = config
        self._by_model: dict[str, tuple[TargetSpec, str]] = {}  # what _model_target said
        self._sticky: StickyStore[TargetSpec] = StickyStore(
            ttl_s=config.sticky_ttl_s, max_entries=config.sticky_max_sessions, clock=clock
        )

    def choose(self, req: RouteRequest, *, record: bool = True) -> RouteDecision:
        """Decide the route; with a session, the primary becomes its sticky target.

        ``record=False`` decides without touching stickiness (``count_tokens`` uses it).
        """
        spec, reason = self._pick(req)
        primary = self._resolve(spec, req)
        chain, reason = self._guard(self._with_fallbacks(primary, req), req, reason)
        lane = self._lane(req)
        if lane is not None and record:
            self._sticky.put(lane, TargetSpec(chain[0].backend, chain[0].model))
        return RouteDecision(chain, reason, req.session, req.estimated_input_tokens)

    def choose_target(
        self, req: RouteRequest, spec: TargetSpec, reason: str, *, local_only: bool = False
    ) -> RouteDecision:
        """The chain for a target the policy brain chose (it keeps the session pins);
        ``local_only`` keeps api backends out of the chain and the context guard."""
        keep = _LOCAL_ONLY if local_only else None
        chain = self._with_fallbacks(self._resolve(spec, req), req)
        if keep is not None:
            chain = [t for t in chain if t.kind in keep] or chain[:1]
        routed, reason = self._guard(chain, req, reason, keep)
        return RouteDecision(routed, reason, req.session, req.estimated_input_tokens)

    def request(
        self,
        api: str,
        max_tokens_keys: Sequence[str],
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        raw_body: bytes | None = None,
    ) -> RouteRequest:
        """:func:`route_request` with this config's background patterns."""
        return route_request(
            api,
            body,
            headers,
            max_tokens_keys=max_tokens_keys,
            background_models=self.config.background_models,
            raw_body=raw_body,
        )

    def pin(self, req: RouteRequest, target: RouteTarget) -> None:
        """Make ``target`` the session's sticky target (the gateway calls this after failover)."""
        lane = self._lane(req)
        if lane is not None:
            self._sticky.put(lane, TargetSpec(target.backend, target.model))

    def forget(self, session: str) -> None:
        for lane in ("main", "background"):
            self._sticky.discard((session, lane))

    def _lane(self, req: RouteRequest) -> _Lane | None:
        if req.session is None:
            return None
        return (req.session, "background" if self._is_background(req) else "main")

    def _is_background(self, req: RouteRequest) -> bool:
        """By this router's ``background_models`` (``req.is_background`` used the builder's)."""
        patterns = self.config.background_models
        return bool(patterns) and bool(req.model) and is_background_model(req.model, patterns)

    def _pick(self, req: RouteRequest) -> tuple[TargetSpec, str]:
        header = req.route_header
        if header is not None:
            return self.header_target(header), "header"
        lane = self._lane(req)
        sticky = self._sticky.get(lane) if lane is not None else None
        if sticky is not None and self.config.has_backend(sticky.backend):
            return sticky, "sticky"
        if self._is_background(req):
            background = self._background_target()
            if background is not None:
                return background, f"background→{self.config.backend(background.backend).kind}"
        found = self._by_model.get(req.model)
        if found is None:
            if len(self._by_model) >= _MODELS_REMEMBERED:
                self._by_model.clear()
            found = self._by_model[req.model] = self._model_target(req.model)
        return found

    def _model_target(self, model: str) -> tuple[TargetSpec, str]:
        """The first alias matching ``model``, else a backend serving it, else the default."""
        for pattern, target in self.config.aliases:
            if pattern == model or fnmatchcase(model, pattern):
                return target, f"alias:{pattern}"
        for caps in self.config.backends:
            if model and model in caps.models:
                return TargetSpec(caps.name, model), "model"
        return self._default_target(), "default"

    def header_target(self, value: str) -> TargetSpec:
        """``X-Fulcrum-Route``'s target: an alias, a backend or ``backend/model`` (else 400)."""
        for pattern, target in self.config.aliases:
            if pattern == value:
                return target
        try:
            return self.config.parse_target(value, field=ROUTE_HEADER)
        except ConfigError:
            aliases = [p for p, _ in self.config.aliases]
            accepted = ", ".join([*aliases, *(b.name for b in self.config.backends)])
            raise InvalidRequest(
                f"X-Fulcrum-Route: unknown alias or backend {value!r}; accepted: {accepted}"
                " (or backend/model)",
                param=ROUTE_HEADER,
            ) from None

    def _background_target(self) -> TargetSpec | None:
        if self.config.background is not None:
            return self.config.background
        local = next((b for b in self.config.backends if b.kind == "local"), None)
        return TargetSpec(local.name) if local is not None else None

    def _default_target(self) -> TargetSpec:
        if self.config.default is not None:
            return self.config.default
        api = next((b for b in self.config.backends if b.kind == "api"), None)
        return TargetSpec((api or self.config.backends[0]).name)

    def _resolve(self, spec: TargetSpec, req: RouteRequest) -> RouteTarget:
        caps = self.config.backend(spec.backend)
        model = spec.model or served_model(caps, req.model)
        max_tokens = req.max_tokens
        if max_tokens is not None and caps.max_output_tokens is not None:
            max_tokens = min(max_tokens, caps.max_output_tokens)
        return RouteTarget(caps.name, model, caps.kind, caps.context_window, max_tokens)

    def _with_fallbacks(self, primary: RouteTarget, req: RouteRequest) -> list[RouteTarget]:
        chain = [primary]
        for spec in self.config.fallbacks:
            _append_new(chain, [self._resolve(spec, req)])
        return chain

    def _guard(
        self,
        chain: list[RouteTarget],
        req: RouteRequest,
        reason: str,
        kinds: frozenset[str] | None = None,
    ) -> tuple[tuple[RouteTarget, ...], str]:
        tokens = req.estimated_input_tokens
        fitting = [t for t in chain if t.fits(tokens)]
        if fitting and fitting[0] is chain[0]:  # the primary fits
            return tuple(fitting), reason
        backends = [b for b in self.config.backends if kinds is None or b.kind in kinds]
        others = (self._resolve(TargetSpec(b.name), req) for b in backends)
        _append_new(fitting, [t for t in others if t.fits(tokens)])
        if fitting:
            suffix = ":sticky-broken" if reason == "sticky" else ""
            return tuple(fitting), f"context-guard{suffix}"
        largest = sorted(chain, key=lambda t: t.context_window or 0, reverse=True)
        return tuple(largest), "context-guard:none-fits"


def _append_new(chain: list[RouteTarget], extra: Iterable[RouteTarget]) -> None:
    seen = {(t.backend, t.model) for t in chain}
    for target in extra:
        if (target.backend, target.model) not in seen:
            seen.add((target.backend, target.model))
            chain.append(target)
