"""A handed-off session's history, condensed: what the model that takes a session over reads of
its earlier turns.

When a session moves to the frontier (an escalation or a handoff rule), the new model has none
of the conversation cached and reads all of it at the full input price. The gateway condenses
the part before the last assistant turn into a summary added to the user messages that open
the conversation: they are kept whole (the task and the agent's context: Claude Code's
reminders, Codex's instructions and environment), every later message before the cut becomes
lines of the summary — the user's words, the assistant's text, each tool call with its arguments,
each tool result clipped to its head and tail (a failure's reason is mostly at the end) — and
the conversation from the last assistant turn on goes as the client sent it, so its tool calls
and their results stay paired.

The cut (:class:`Cut`) is made once, at the move, and kept with the session's pin: later turns
condense the same prefix to the same bytes, so the frontier's prompt cache holds it. A cut is
made only when the summary is at most half the size of what it replaces. The client's history
is never changed: a client that compacts its own conversation (or edits it) no longer matches
the cut's mark and is sent whole.

A :class:`Shape` reads one API's conversation (Anthropic Messages, OpenAI Chat Completions, the
Responses API's input items); the API formats name theirs (``ApiFormat.history``).
"""

from fulcrum.wire.condense.cut import Cut, apply_cut, mark, plan_cut, summary
from fulcrum.wire.condense.shapes import CHAT, MESSAGES, RESPONSES, Shape
from fulcrum.wire.condense.text import clip

__all__ = [
    "CHAT", "MESSAGES", "RESPONSES", "Cut", "Shape", "apply_cut", "clip", "mark", "plan_cut",
    "summary",
]  # fmt: skip
