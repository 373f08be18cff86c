"""Pools in ``/metrics``: queue depth, replica health and load, read at scrape time.

A collector on the gateway's registry reads the pools' counters when Prometheus scrapes,
so the request path only moves integers. The queue wait of each request is observed from
the ledger row's attempts, off the loop (``fulcrum_pool_queue_wait_seconds``, in
:mod:`fulcrum.gateway.metering`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from fulcrum.gateway.upstream.backends import Backend
from fulcrum.gateway.upstream.pool import Pool

HEALTH_STATES = ("up", "down", "ejected")


class PoolCollector(Collector):
    def __init__(self, pools: Iterable[Pool]) -> None:
        self.pools = tuple(pools)

    def collect(self) -> Iterator[Metric]:
        waiting = GaugeMetricFamily(
            "fulcrum_pool_waiting", "Requests waiting for a replica slot", labels=["backend"]
        )
        queued = CounterMetricFamily(
            "fulcrum_pool_queued", "Requests that waited for a replica slot", labels=["backend"]
        )
        full = CounterMetricFamily(
            "fulcrum_pool_full",
            "Requests that found every replica at its cap past the wait (spilled or refused)",
            labels=["backend", "action"],
        )
        in_flight = GaugeMetricFamily(
            "fulcrum_replica_in_flight", "Gateway requests in flight", labels=["backend", "replica"]
        )
        load = GaugeMetricFamily(
            "fulcrum_replica_server_load",
            "Running + waiting requests the server reports (0: unknown)",
            labels=["backend", "replica"],
        )
        admitted = CounterMetricFamily(
            "fulcrum_replica_requests",
            "Requests sent to the replica",
            labels=["backend", "replica"],
        )
        health = GaugeMetricFamily(
            "fulcrum_replica_health",
            "1 for the replica's state: up, down (probe failed), ejected (requests failed)",
            labels=["backend", "replica", "state"],
        )
        for pool in self.pools:
            now = pool.clock()
            waiting.add_metric([pool.name], pool.waiting)
            queued.add_metric([pool.name], pool.stats.queued)
            for action, count in pool.stats.full.items():
                full.add_metric([pool.name, action], count)
            for r in pool.replicas:
                labels = [pool.name, r.label]
                in_flight.add_metric(labels, r.outstanding)
                load.add_metric(labels, r.server_load)
                admitted.add_metric(labels, r.admitted)
                state = r.health(now)
                for name in HEALTH_STATES:
                    health.add_metric([*labels, name], 1.0 if name == state else 0.0)
        yield from (waiting, queued, full, in_flight, load, admitted, health)


def pool_metrics(registry: CollectorRegistry, backends: Iterable[Backend]) -> None:
    """Export the pools among ``backends`` on ``registry`` (a no-op without pools)."""
    pools = [b.pool for b in backends if b.pool is not None]
    if pools:
        registry.register(PoolCollector(pools))
