"""One call's measurements, turned into a ledger row and Prometheus samples after it ended.

The handler fills a :class:`Call` as the request goes (cheap attribute stores). When the
response is finished the meter (:mod:`fulcrum.gateway.meter`) hands it to the ledger writer
as a deferred row: usage parsed, row validated and metrics counted when it is built.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from fulcrum.gateway.upstream.attempts import FAILOVER, AttemptLog
from fulcrum.gateway.upstream.backends import Backend
from fulcrum.kinds import BackendKind
from fulcrum.ledger.row import LedgerRow, new_row_id, utc_now
from fulcrum.routing.router import RouteTarget
from fulcrum.wire.usage import TokenUsage

RowSource = LedgerRow | Callable[[], LedgerRow]  # a row, or how to build it


class Metrics:
    """The gateway's Prometheus metrics, in their own registry (several gateways per process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ("endpoint", "backend", "status")
        self.requests = Counter(
            "fulcrum_requests", "Requests served", labels, registry=self.registry
        )
        self.duration = Histogram(
            "fulcrum_request_duration_seconds",
            "Request duration",
            ("endpoint", "backend"),
            registry=self.registry,
            buckets=(0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 30, 120, 600),
        )
        self.tokens = Counter(
            "fulcrum_tokens",
            "Tokens by direction",
            ("backend", "direction"),
            registry=self.registry,
        )
        self.failovers = Counter(
            "fulcrum_upstream_failures", "Upstream attempts that failed", ("backend",),
            registry=self.registry,
        )  # fmt: skip
        self.in_flight = Gauge("fulcrum_in_flight", "Requests in flight", registry=self.registry)
        self.queue_wait = Histogram(
            "fulcrum_pool_queue_wait_seconds",
            "Time a request waited for a slot on a pool's replica (replica - : none came)",
            ("backend", "replica"),
            registry=self.registry,
            buckets=(0.001, 0.01, 0.05, 0.25, 1, 2.5, 5, 10, 30),
        )
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._tokens: dict[str, tuple[Counter, Counter]] = {}

    def served(self, endpoint: str, backend: str, status: int, duration_s: float) -> None:
        """Count one request; the labelled children are looked up once per label set."""
        key = (endpoint, backend, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                self.requests.labels(endpoint, backend, str(status)),
                self.duration.labels(endpoint, backend),
            )
        series[0].inc()
        series[1].observe(duration_s)

    def count_tokens(self, backend: str, input_tokens: int, output_tokens: int) -> None:
        pair = self._tokens.get(backend)
        if pair is None:
            pair = self._tokens[backend] = (
                self.tokens.labels(backend, "input"),
                self.tokens.labels(backend, "output"),
            )
        pair[0].inc(input_tokens)
        pair[1].inc(output_tokens)


@dataclass(slots=True)
class Call:
    """What one request did, filled in as it goes."""

    endpoint: str
    id: str = field(default_factory=new_row_id)  # the ledger row's id, told to the client
    started: float = field(default_factory=time.perf_counter)
    ts: datetime = field(default_factory=utc_now)
    stream: bool = False
    session: str | None = None
    client: str | None = None
    client_key: str | None = None  # the name of the client key (never the key)
    route: str | None = None
    route_reason: str | None = None
    backend: str = ""
    backend_kind: BackendKind = "api"
    provider: str | None = None
    model: str = ""
    model_requested: str = ""
    status: int = 200
    error: str | None = None
    usage: TokenUsage | None = None
    usage_fn: Callable[[], TokenUsage] | None = None  # computed when the row is built
    # a whole answer's usage and its server's generation time, read when the row is built
    answer_fn: Callable[[], tuple[TokenUsage, float | None]] | None = None
    first_byte_at: float | None = None
    ended: float | None = None
    generation_ms: float | None = None  # a whole answer's, as its server reports it (answer_fn)
    tool_repairs: int = 0
    tool_retries: int = 0
    attempts: AttemptLog = field(init=False)  # every backend tried (see open_chain's log)
    busy_token: float | None = None  # from ShareClock.enter when the call went to a local route
    busy_s: float | None = None  # share of the local machine (see fulcrum.gateway.busy)
    request_body: str | None = None
    response_body: str | None = None
    rule: str | None = None  # the routing brain's decision (None without a [policy])
    frontier_score: float | None = None
    threshold: float | None = None
    context_tokens: int = 0  # tokens an extension added to the request (context snippets)
    decision_fn: Callable[[], str] | None = None  # the decision's JSON, built off the loop
    settle: Callable[[Decimal | None], None] | None = None  # a budget reservation's settling
    # a pooled route's request of no session: its conversation, for its replica (not recorded)
    conversation: str | None = None
    # work for after the call, given the call (the SLO's sample); never a partial holding the
    # call itself: a reference cycle per request is work for the garbage collector
    after_row: Callable[[Call], None] | None = None

    def __post_init__(self) -> None:
        self.attempts = AttemptLog(self.started)

    @property
    def affinity(self) -> str | None:
        """What a pool keeps on one replica (its prompt cache): the session, else the
        conversation."""
        return self.session or self.conversation

    def info_headers(self) -> dict[str, str]:
        """What the client is told: who answered, and the id to send feedback on."""
        return {
            "x-fulcrum-backend": self.backend,
            "x-fulcrum-model": self.model,
            "x-fulcrum-request-id": self.id,
        }

    def served_by(self, backend: Backend, target: RouteTarget) -> None:
        self.backend = target.backend
        self.backend_kind = target.kind
        self.provider = backend.config.provider or None
        self.model = target.model
        self.route = f"{target.backend}/{target.model}"

    def end(self) -> None:
        if self.ended is None:
            self.ended = time.perf_counter()

    def row(self) -> LedgerRow:
        self.end()
        assert self.ended is not None
        if self.usage is None and self.answer_fn is not None:
            self.usage, self.generation_ms = self.answer_fn()
        elif self.usage is None and self.usage_fn is not None:
            self.usage = self.usage_fn()
        usage = self.usage or TokenUsage(0, 0)
        duration_s = self.ended - self.started
        ttft_ms, decode_tps = self._speeds(usage)
        reason = self.route_reason
        if reason is not None and self.attempts.failed_over:
            reason += FAILOVER
        return LedgerRow(
            id=self.id,
            ts=self.ts,
            session=self.session,
            client=self.client,
            client_key=self.client_key,
            route=self.route,
            route_reason=reason,
            backend=self.backend,
            backend_kind=self.backend_kind,
            provider=self.provider,
            model=self.model,
            endpoint=self.endpoint,
            stream=self.stream,
            status=self.status,
            error=self.error,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            ttft_ms=ttft_ms,
            duration_ms=duration_s * 1000,
            decode_tps=decode_tps,
            busy_ms=self.busy_s * 1000
            if self.busy_s is not None and self.backend_kind == "local"
            else None,
            tool_repairs=self.tool_repairs,
            tool_retries=self.tool_retries,
            attempts=tuple(self.attempts.items),
            context_tokens=self.context_tokens,
            rule=self.rule,
            frontier_score=self.frontier_score,
            threshold=self.threshold,
            decision=self.decision_fn() if self.decision_fn is not None else None,
            request_body=self.request_body,
            response_body=self.response_body,
        )

    def _speeds(self, usage: TokenUsage) -> tuple[float | None, float | None]:
        """Time to first token (ms) and decode tokens/s: a stream's from its first byte; a
        whole answer's from the generation time its server reports (llama.cpp's timings),
        which the time to the answer less it leaves the wait and the prompt's reading."""
        if self.first_byte_at is None or self.ended is None:
            return None, None
        if self.stream:
            decode_s = self.ended - self.first_byte_at
            ttft_ms = (self.first_byte_at - self.started) * 1000
        elif self.generation_ms is not None:
            decode_s = self.generation_ms / 1000
            ttft_ms = max((self.first_byte_at - self.started) * 1000 - self.generation_ms, 0.0)
        else:
            return None, None
        tps = usage.output_tokens / decode_s if usage.output_tokens and decode_s > 0 else None
        return ttft_ms, tps


def count(call: Call, row: LedgerRow, metrics: Metrics) -> None:
    """The finished call's Prometheus samples."""
    backend = call.backend or "-"
    metrics.served(call.endpoint, backend, call.status, (row.duration_ms or 0.0) / 1000)
    for attempt in row.attempts:
        if attempt.failed:
            metrics.failovers.labels(attempt.backend).inc()
        if attempt.queue_ms is not None:  # a pool's try
            replica = attempt.replica or "-"
            metrics.queue_wait.labels(attempt.backend, replica).observe(attempt.queue_ms / 1000)
    if row.input_tokens or row.output_tokens:
        metrics.count_tokens(backend, row.input_tokens, row.output_tokens)
