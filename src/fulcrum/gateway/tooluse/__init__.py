"""Reliable tool use on local models: validate, recover, retry once, force ``tool_choice``.

Pure functions over Anthropic-format bodies (the gateway translates OpenAI-format traffic);
:func:`call_with_tool_checks` runs the whole sequence around one local call (the gateway passes
its transport in), and :func:`message_events` re-emits the checked message as a stream.
"""

from fulcrum.gateway.tooluse.flow import call_with_tool_checks, needs_tool_checks
from fulcrum.gateway.tooluse.outcome import ToolUseOutcome
from fulcrum.gateway.tooluse.recover import Recovery, extract_calls, recover_text_tool_calls
from fulcrum.gateway.tooluse.repair import (
    forced_tool,
    prepare_forced_request,
    repair_request,
    tool_choice_violation,
)
from fulcrum.gateway.tooluse.replay import message_events
from fulcrum.gateway.tooluse.review import Review, parse_string_inputs, review_response
from fulcrum.gateway.tooluse.schema import (
    ToolCallError,
    tool_schemas,
    validate_tool_input,
    validate_tool_uses,
)

__all__ = [
    "Recovery",
    "Review",
    "ToolCallError",
    "ToolUseOutcome",
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
