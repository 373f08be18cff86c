"""``fulcrum probe``: measure an endpoint's prefill, decode, concurrency and goodput."""
