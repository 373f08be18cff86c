"""What kind of Claude Code request this is, read from the prompts Claude Code itself sends.

The markers are sentences of Claude Code's own prompts (checked against the 2.1.330 CLI):

- ``compaction`` — the summary request behind ``/compact`` and auto-compaction. Its
  instruction, "Your task is to create a detailed summary of ..." (of the conversation so
  far, of its RECENT portion, or of this conversation), is in the last user message (the
  request shares the main loop's prompt and tools, for its prompt cache), or the system
  prompt is the summarizer's ("You are a helpful AI assistant tasked with summarizing
  conversations.").
- ``title`` — the session title: system prompt "You are naming a coding session ...".
- ``subagent`` — a conversation started by the Task (Agent) tool: the billing block every
  Claude Code request opens its system prompt with says ``cc_is_subagent=true``; also the
  built-in agents' prompts ("You are an agent for Claude Code", the file search, planning
  and web-reading specialists) and the note subagent prompts carry ("Agent threads always
  have their cwd reset between bash calls").
- ``main`` — the main loop: one of Claude Code's identities ("You are Claude Code,
  Anthropic's official CLI for Claude", and in ``-p``/SDK mode "You are a Claude agent,
  built on Anthropic's Claude Agent SDK.") or its billing block
  (``x-anthropic-billing-header: cc_version=``), with tools declared.
- ``background`` — small/fast-model housekeeping: the request's model matches the
  background globs (``RouteRequest.is_background``), or Claude Code's identity without any
  tools (a tool-free helper call).
- ``other`` — anything else (another client, a plain API call).

OpenAI's Codex CLI is read the same way (:mod:`fulcrum.routing.codex`): its identity makes a
request with tools ``main`` (without tools, ``background``), its compaction request is
``compaction``, and a request one of its sub-agents sends (a header says so) is
``subagent``. So is the OpenCode CLI (:mod:`fulcrum.routing.opencode`): its identity, its
title and compaction agents and its explore subagent.

The checks run in that order, so a compaction sent on the main model's prompt (prompt-cache
sharing) is still ``compaction``. Only substring tests, on text the caller joined once; most
markers open with "You are ", so the system prompt (16 KB and more) is searched once for that
and those markers are compared where it occurs, not each searched for through the whole text.
"""

from __future__ import annotations

import re

from fulcrum.routing import codex, opencode

REQUEST_KINDS: tuple[str, ...] = ("main", "subagent", "background", "title", "compaction", "other")

SUMMARY_REQUEST = "Your task is to create a detailed summary of"  # Claude Code's /compact
# in the last user message: Claude Code's summary request, and Codex's (fulcrum.routing.codex)
COMPACTION_REQUESTS: tuple[str, ...] = (SUMMARY_REQUEST, *codex.COMPACTION_MARKERS)
COMPACTION_MARKERS: tuple[str, ...] = (
    SUMMARY_REQUEST,
    "You are a helpful AI assistant tasked with summarizing conversations.",
    *opencode.COMPACTION_MARKERS,
)
TITLE_MARKERS: tuple[str, ...] = ("You are naming a coding session", *opencode.TITLE_MARKERS)
SUBAGENT_MARKERS: tuple[str, ...] = (
    "cc_is_subagent=true",
    "Agent threads always have their cwd reset between bash calls",
    "You are an agent for Claude Code, Anthropic's official CLI for Claude.",
    "You are a file search specialist for Claude Code",
    "You are a software architect and planning specialist for Claude Code",
    "You are a web-reading specialist for Claude Code",
    *opencode.SUBAGENT_MARKERS,
)
IDENTITY_MARKERS: tuple[str, ...] = (
    "You are Claude Code, Anthropic's official CLI for Claude",
    "You are a Claude agent, built on Anthropic's Claude Agent SDK.",
    "x-anthropic-billing-header: cc_version=",
    *codex.IDENTITY_MARKERS,
    *opencode.IDENTITY_MARKERS,
)

# what a system prompt holding one of the markers makes a request, tried in this order
_SYSTEM_KINDS = (
    ("compaction", COMPACTION_MARKERS),
    ("title", TITLE_MARKERS),
    ("subagent", SUBAGENT_MARKERS),
)

OPENING = "You are "
MAX_OPENINGS = 32  # more (a text made to be slow): every marker is searched for instead


def _openings(text: str) -> list[int] | None:
    """Where :data:`OPENING` occurs in ``text``; None past :data:`MAX_OPENINGS`."""
    found: list[int] = []
    at = text.find(OPENING)
    while at != -1:
        if len(found) == MAX_OPENINGS:
            return None
        found.append(at)
        at = text.find(OPENING, at + 1)
    return found


def _has(text: str, markers: tuple[str, ...], openings: list[int] | None = None) -> bool:
    """Whether a marker occurs in ``text``; one that opens with :data:`OPENING` is compared
    at ``openings`` (those of ``text``), when given."""
    if not text:
        return False
    for marker in markers:
        if openings is None or not marker.startswith(OPENING):
            if marker in text:
                return True
        elif openings and any(text.startswith(marker, at) for at in openings):
            return True
    return False


def classify(
    system: str, last_user: str, *, has_tools: bool, is_background: bool, told: str | None = None
) -> str:
    """The request kind (one of :data:`REQUEST_KINDS`) from the joined system prompt, the
    text of the last user message, whether tools are declared, whether the model is the
    configured small/fast one, and the kind a header of the client told, if any (Codex's
    sub-agents: :func:`fulcrum.routing.codex.told_kind`); a compaction request says so
    whoever sends it."""
    if _has(last_user, COMPACTION_REQUESTS):
        return "compaction"
    if told is not None:
        return told
    claude_code = False
    if system:  # (without one, only the model and the last user message can tell)
        opens = _openings(system)
        for kind, markers in _SYSTEM_KINDS:
            if _has(system, markers, opens):
                return kind
        claude_code = _has(system, IDENTITY_MARKERS, opens)
    if claude_code and has_tools and not is_background:
        return "main"
    if is_background or claude_code:
        return "background"
    return "other"


# The working directory Claude Code's system prompt names, and the repository it is in.
CWD_MARKERS: tuple[str, ...] = ("Primary working directory: ", "Working directory: ")
WORKTREES = "/.claude/worktrees/"
_SEPARATORS = re.compile(r"[\\/]")


def working_directory(system: str) -> str | None:
    """The working directory Claude Code's system prompt names, or None."""
    for marker in CWD_MARKERS:
        at = system.find(marker)
        if at != -1:
            start = at + len(marker)
            end = system.find("\n", start)
            value = system[start : end if end != -1 else len(system)].strip().strip("`'\"")
            return value or None
    return None


def repo_of(cwd: str) -> str | None:
    """The repository name of a working directory: its last part, or for a Claude Code
    worktree (``REPO/.claude/worktrees/NAME``) the repository's."""
    path = cwd.replace("\\", "/")
    if WORKTREES in path:
        path = path.split(WORKTREES, 1)[0]
    parts = [p for p in _SEPARATORS.split(path) if p]
    return parts[-1] if parts else None
