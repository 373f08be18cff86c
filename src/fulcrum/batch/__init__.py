"""Overnight batches on the local rig: the OpenAI Batch API and the Anthropic Message Batches
API served by ``fulcrum serve``, run on local backends inside a configured window (or while
the local machine is idle), from a durable queue in the ledger database.

- :mod:`.config`: the ``[batch]`` table (window, time zone, concurrency, leases).
- :mod:`.apis`: the registry of batch wire formats (OpenAI, Anthropic): input parsing, the
  batch object, the result lines.
- :mod:`.store` / :mod:`.queue`: files, batches and items in the ledger database; claiming an
  item (lease, ``SKIP LOCKED`` on PostgreSQL), finishing it exactly once.
- :mod:`.runner` / :mod:`.worker`: one item through the gateway's upstream machinery; the
  background loop that claims items while the window is open.
- :mod:`.forward`, :mod:`.forwarding`, :mod:`.forward_store`, :mod:`.forward_result`: items no
  local backend serves, sent to the provider's own batch API (``[batch] forward``) in one
  provider batch per backend, polled by the worker, finished once, priced at the batch rate.
- :mod:`.providers` / :mod:`.forwarders`: the providers' batch APIs as clients, by wire format.
- :mod:`.discounts`: the providers' batch discounts, sourced and dated (the counterfactual).
- :mod:`.endpoints`, :mod:`.gateway`: the HTTP endpoints and the gateway extension.
- :mod:`.cli`: ``fulcrum batch submit | status | results``.
"""
