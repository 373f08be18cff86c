"""Usage import and analysis: what the team's agents actually spent, from their own logs.

``fulcrum usage import PATH…`` reads usage through an importer (a module registered in
:mod:`fulcrum.usage.importers`) into a small SQLite store in the data dir
(:mod:`fulcrum.usage.store`), keyed so that re-importing the same files adds nothing.
``fulcrum usage`` prices what was stored with the catalog (API-equivalent; unknown prices
stay unknown, never $0) and shows daily spend, groups, the token mix and 5-hour blocks;
``--plan`` sets a subscription beside that value (:mod:`fulcrum.usage.plan`) and
``--hardware`` / ``--cheaper-model`` re-price it (:mod:`fulcrum.usage.whatif`).
``fulcrum usage reconcile`` matches the calls both Claude Code's logs and the gateway's
ledger hold and reports their differences (:mod:`fulcrum.usage.reconcile`).
"""
