"""The upstream side: wire formats, configured backends, the failover chain and its attempts,
the keep-alive fast path and the circuit breaker."""
