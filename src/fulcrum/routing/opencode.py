"""What the OpenCode CLI says about a request, read from what it sends (checked against the
1.18.33 CLI's requests and its binary's prompts).

- Its agents open their system prompt with its identity, "You are OpenCode, …" (or, in its
  older prompts, "You are opencode, …"): with tools that is the ``main`` kind.
- Its session title comes from "You are a title generator" (``title``), its compaction from
  "You are a context summarization agent" (``compaction``), and its built-in explore subagent
  is "You are a file search specialist. You excel at …" (``subagent``; every subagent is a
  session of its own, with its own ``x-session-id``).
- Its working directory is a ``Working directory:`` line of its ``<env>`` block, as in Claude
  Code's older prompts (:data:`fulcrum.routing.claude_code.CWD_MARKERS`).
"""

from __future__ import annotations

__all__ = ["COMPACTION_MARKERS", "IDENTITY_MARKERS", "SUBAGENT_MARKERS", "TITLE_MARKERS"]

IDENTITY_MARKERS: tuple[str, ...] = ("You are OpenCode, ", "You are opencode, ")
TITLE_MARKERS: tuple[str, ...] = ("You are a title generator",)
COMPACTION_MARKERS: tuple[str, ...] = ("You are a context summarization agent",)
SUBAGENT_MARKERS: tuple[str, ...] = ("You are a file search specialist. You excel at",)
