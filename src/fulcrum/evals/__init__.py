"""``fulcrum eval``: capability evals on the team's own specs, paired statistics, the tax.

- :mod:`~fulcrum.evals.spec` — the spec directory format and suite loading;
  :mod:`~fulcrum.evals.scaffold`, :mod:`~fulcrum.evals.check`, :mod:`~fulcrum.evals.importers`.
- :mod:`~fulcrum.evals.sandbox` (with :mod:`~fulcrum.evals.jail`) and
  :mod:`~fulcrum.evals.workspace` — each attempt in fresh copies, commands jailed (limits,
  unprivileged user, no network, private temp, full cleanup).
- :mod:`~fulcrum.evals.agents` (built-in whole-file agent in the :mod:`~fulcrum.evals.edits`
  format, external command agents) over :mod:`~fulcrum.evals.chat` (OpenAI Chat Completions at
  one base URL, normally the gateway); :mod:`~fulcrum.evals.scripted` plays a model in tests.
- :mod:`~fulcrum.evals.runner` and :mod:`~fulcrum.evals.store` — parallel, resumable runs stored
  in the ledger database; :mod:`~fulcrum.evals.stats`, :mod:`~fulcrum.evals.summary`,
  :mod:`~fulcrum.evals.output` — Wilson, McNemar, bootstrap, power, the capability tax.
"""
