"""The routing brain run off the request path.

* ``route explain`` with a gateway config: one request against the live state, dry
  (:mod:`fulcrum.routing.replay.live`, the latency guard rebuilt from the ledger by
  :mod:`fulcrum.routing.replay.latency`).
* ``route replay``: a candidate policy over the requests the ledger recorded, on a fresh
  brain and the recorded clock (:mod:`fulcrum.routing.replay.engine`), reported by
  :mod:`fulcrum.routing.replay.report`.
"""
