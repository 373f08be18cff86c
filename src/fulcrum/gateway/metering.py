"""One call's measurements, turned into a ledger row and Prometheus samples after it ended.

The handler fills a :class:`Call` as the request goes (cheap attribute stores); the row
is built and handed to the ledger writer only when the response is finished, so neither
the dataclass validation nor pricing sits between the upstream and the client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from fulcrum.gateway.attempts import FAILOVER, AttemptLog
from fulcrum.gateway.backends import Backend
from fulcrum.kinds import BackendKind
from fulcrum.ledger.row import LedgerRow, utc_now
from fulcrum.routing.router import RouteTarget
from fulcrum.wire.usage import TokenUsage

log = logging.getLogger(__name__)
FLUSH_EVERY_S = 0.05
CHUNK = 32


class RowSink(Protocol):
    def submit(self, row: LedgerRow) -> None: ...

    def close(self, timeout: float | None = None) -> None: ...


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


@dataclass(slots=True)
class Call:
    """What one request did, filled in as it goes."""

    endpoint: str
    started: float = field(default_factory=time.perf_counter)
    ts: datetime = field(default_factory=utc_now)
    stream: bool = False
    session: str | None = None
    client: str | None = None
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
    first_byte_at: float | None = None
    ended: float | None = None
    tool_repairs: int = 0
    tool_retries: int = 0
    attempts: AttemptLog = field(init=False)  # every backend tried (see open_chain's log)
    busy_token: float | None = None  # from ShareClock.enter when the call went to a local route
    busy_s: float | None = None  # share of the local machine (see fulcrum.gateway.busy)
    request_body: str | None = None
    response_body: str | None = None

    def __post_init__(self) -> None:
        self.attempts = AttemptLog(self.started)

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
        if self.usage is None and self.usage_fn is not None:
            self.usage = self.usage_fn()
        usage = self.usage or TokenUsage(0, 0)
        duration_s = self.ended - self.started
        ttft_ms = decode_tps = None
        if self.first_byte_at is not None and self.stream:
            ttft_ms = (self.first_byte_at - self.started) * 1000
            decode_s = self.ended - self.first_byte_at
            if usage.output_tokens and decode_s > 0:
                decode_tps = usage.output_tokens / decode_s
        reason = self.route_reason
        if reason is not None and self.attempts.failed_over:
            reason += FAILOVER
        return LedgerRow(
            ts=self.ts,
            session=self.session,
            client=self.client,
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
            request_body=self.request_body,
            response_body=self.response_body,
        )


def record(call: Call, sink: RowSink, metrics: Metrics) -> None:
    """Hand the finished call to the ledger and the metrics. Never raises."""
    row = call.row()
    sink.submit(row)
    backend = call.backend or "-"
    metrics.requests.labels(call.endpoint, backend, str(call.status)).inc()
    metrics.duration.labels(call.endpoint, backend).observe((row.duration_ms or 0.0) / 1000)
    for attempt in row.attempts:
        if attempt.failed:
            metrics.failovers.labels(attempt.backend).inc()
    if row.input_tokens or row.output_tokens:
        metrics.tokens.labels(backend, "input").inc(row.input_tokens)
        metrics.tokens.labels(backend, "output").inc(row.output_tokens)


class Meter:
    """Collects finished calls on the event loop and meters them in small deferred batches.

    The request path only appends to a list. Every :data:`FLUSH_EVERY_S` the batch is
    turned into rows (usage parsed, row validated) :data:`CHUNK` calls at a time, yielding
    to the loop between chunks, and handed to the ledger writer, whose thread then wakes
    once per batch rather than once per request.
    """

    def __init__(self, sink: RowSink, metrics: Metrics) -> None:
        self.sink = sink
        self.metrics = metrics
        self._pending: list[Call] = []
        self._timer: asyncio.TimerHandle | None = None

    def add(self, call: Call) -> None:
        self._pending.append(call)
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(FLUSH_EVERY_S, self._flush_chunk)

    def _flush_chunk(self) -> None:
        chunk, self._pending = self._pending[:CHUNK], self._pending[CHUNK:]
        self._record(chunk)
        if self._pending:
            self._timer = asyncio.get_running_loop().call_later(0, self._flush_chunk)
        else:
            self._timer = None

    def _record(self, calls: list[Call]) -> None:
        for call in calls:
            try:
                record(call, self.sink, self.metrics)
            except Exception:
                log.exception("metering failed for a call on %s", call.endpoint)

    def flush(self) -> None:
        """Meter everything pending now (at shutdown, before the ledger closes)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        calls, self._pending = self._pending, []
        self._record(calls)
