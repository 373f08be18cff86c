"""What OpenAI's Codex CLI says about a request, read from what it sends (checked against the
0.171.0 CLI's requests and its binary's prompts).

- Its main loop opens its developer message with its identity: "You are a coding agent
  running in the Codex CLI" (the default prompt) or "You are Codex, " (its model-specific
  prompts); with tools declared that is the ``main`` kind, as Claude Code's identity is.
- Its compaction (``/compact`` and auto-compaction, when the provider has no compaction
  endpoint) asks, in the last user message, "You are performing a CONTEXT CHECKPOINT
  COMPACTION. Create a handoff summary ...".
- A command it ran (``exec_command``) answers as a tool output whose header says "Process
  exited with code N": a code other than 0 is a failed tool call (:func:`failed_command`).
- Its own sub-agents send their requests with the header ``x-openai-subagent``, in the
  parent's session (``session-id``) but each on a thread of its own (``thread-id``). Its value
  names the sub-agent (Codex's ``SubAgentSource``): ``collab_spawn`` (an agent its
  ``spawn_agent`` tool started), ``review`` (its reviewer) or a label of the client's own are
  a ``subagent`` conversation, routed on its own; ``compact`` is a ``compaction`` and
  ``memory_consolidation`` housekeeping (``background``) (:func:`told_kind`,
  :data:`TOLD_KINDS`, :data:`THREAD_HEADER`).
- It sends its working directory in a user message of its own, ``<environment_context>``
  with ``<cwd>…</cwd>`` (again when it changes), and puts other fragments of its own in user
  messages (:data:`INJECTED`): none of them is the user's words or a turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

__all__ = [
    "COMPACTION_MARKERS",
    "IDENTITY_MARKERS",
    "INJECTED",
    "SUBAGENT_HEADER",
    "THREAD_HEADER",
    "TOLD_KINDS",
    "environment_cwd",
    "failed_command",
    "told_kind",
]

IDENTITY_MARKERS: tuple[str, ...] = (
    "You are a coding agent running in the Codex CLI",
    "You are Codex, ",
)
COMPACTION_MARKERS: tuple[str, ...] = ("You are performing a CONTEXT CHECKPOINT COMPACTION",)
ENVIRONMENT = "<environment_context>"
INJECTED: tuple[str, ...] = (
    ENVIRONMENT,
    "<turn_aborted>",
    "<subagent_notification>",
    "<user_shell_command>",
)
CWD_OPEN, CWD_CLOSE = "<cwd>", "</cwd>"
EXIT_LINE = re.compile(r"^Process exited with code (-?\d+)$", re.MULTILINE)
SUBAGENT_HEADER = "x-openai-subagent"
THREAD_HEADER = "thread-id"
# x-openai-subagent's values that are not a sub-agent conversation, and the kind each is;
# every other value (collab_spawn, review, a client's own label) is a subagent's
TOLD_KINDS: Mapping[str, str] = MappingProxyType({
    "compact": "compaction",
    "memory_consolidation": "background",
})  # fmt: skip
HEADER_CHARS = 256  # the output's header (chunk id, wall time, exit code) comes first


def environment_cwd(texts: Iterable[str]) -> str | None:
    """The ``<cwd>`` of the first ``<environment_context>`` among ``texts`` (pass the user
    messages' texts newest first: the latest context is the one in force), or None."""
    for text in texts:
        if not text[:64].lstrip().startswith(ENVIRONMENT):  # no copy of a long text
            continue
        start = text.find(CWD_OPEN)
        end = text.find(CWD_CLOSE, start)
        if start != -1 and end != -1:
            return text[start + len(CWD_OPEN) : end].strip() or None
    return None


def failed_command(output: str) -> bool:
    """Whether a tool output is a command that exited with a code other than 0."""
    found = EXIT_LINE.search(output, 0, HEADER_CHARS)
    return found is not None and found.group(1) != "0"


def told_kind(headers: Mapping[str, str]) -> str | None:
    """The request kind ``x-openai-subagent`` tells (``headers`` lower-cased): one of
    :data:`TOLD_KINDS`'s values, ``subagent`` for any other label; None without it."""
    value = headers.get(SUBAGENT_HEADER, "").strip().lower()
    return TOLD_KINDS.get(value, "subagent") if value else None
