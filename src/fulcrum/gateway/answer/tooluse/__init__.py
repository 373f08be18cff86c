"""Reliable tool use on local models: validate, recover, retry once, force ``tool_choice``.

Pure functions over Anthropic-format bodies (the gateway translates OpenAI-format traffic):
:func:`call_with_tool_checks` runs the whole sequence around one non-streaming local call (the
gateway passes its transport in); :class:`StreamReviewer` runs it over a streamed answer,
passing on text and thinking as they come and holding only what must be checked.
"""

from fulcrum.gateway.answer.tooluse.flow import call_with_tool_checks, needs_tool_checks
from fulcrum.gateway.answer.tooluse.outcome import ToolUseOutcome, add_usage
from fulcrum.gateway.answer.tooluse.recover import Recovery, extract_calls, recover_text_tool_calls
from fulcrum.gateway.answer.tooluse.repair import (
    forced_tool,
    prepare_forced_request,
    repair_request,
    tool_choice_violation,
)
from fulcrum.gateway.answer.tooluse.replay import message_events
from fulcrum.gateway.answer.tooluse.review import Review, parse_string_inputs, review_response
from fulcrum.gateway.answer.tooluse.schema import (
    ToolCallError,
    tool_schemas,
    validate_tool_input,
    validate_tool_uses,
)
from fulcrum.gateway.answer.tooluse.stream import StreamReviewer
from fulcrum.gateway.answer.tooluse.textgate import TextGate

__all__ = [
    "Recovery",
    "Review",
    "StreamReviewer",
    "TextGate",
    "ToolCallError",
    "ToolUseOutcome",
    "add_usage",
    "call_with_tool_checks",
    "extract_calls",
    "forced_tool",
    "message_events",
    "needs_tool_checks",
    "parse_string_inputs",
    "prepare_forced_request",
    "recover_text_tool_calls",
    "repair_request",
    "review_response",
    "tool_choice_violation",
    "tool_schemas",
    "validate_tool_input",
    "validate_tool_uses",
]
