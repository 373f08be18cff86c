"""The tool-use check the gateway runs on a local route, in Anthropic-format terms.

```python
outcome = ToolUseOutcome()
request = prepare_forced_request(request)            # forcing tool_choice, step 1
response = await send(request)
review = review_response(request, response, outcome, retry_allowed=True)
if review.retry_request is not None:
    response = await send(review.retry_request)
    review = review_response(request, response, outcome, retry_allowed=False)
return review.body                                   # outcome.ledger_fields() -> ledger row
```

The review needs the whole response: a non-streaming call gives it (``flow``); on a stream,
:class:`~fulcrum.gateway.answer.tooluse.stream.StreamReviewer`
passes text and thinking on as they come,
holds the tool calls, and reviews the assembled answer when it ends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fulcrum.gateway.answer.tooluse.outcome import ToolUseOutcome
from fulcrum.gateway.answer.tooluse.recover import recover_text_tool_calls
from fulcrum.gateway.answer.tooluse.repair import repair_request, tool_choice_violation
from fulcrum.gateway.answer.tooluse.schema import ToolCallError, validate_tool_uses


@dataclass(frozen=True, slots=True)
class Review:
    body: dict[str, Any]
    errors: tuple[ToolCallError, ...]
    retry_request: dict[str, Any] | None


def review_response(
    request: Mapping[str, Any],
    response: Mapping[str, Any],
    outcome: ToolUseOutcome,
    *,
    retry_allowed: bool,
) -> Review:
    """Repair what can be repaired, validate the rest, and build the retry when one is due."""
    tools = request.get("tools")
    choice = request.get("tool_choice")
    if not isinstance(tools, list) or not tools:
        return Review(dict(response), (), None)
    if isinstance(choice, Mapping) and choice.get("type") == "none":
        return Review(dict(response), (), None)
    body, parsed = parse_string_inputs(response)
    recovery = recover_text_tool_calls(body, tools)
    outcome.repairs += parsed + recovery.recovered
    body = recovery.body
    errors = validate_tool_uses(body, tools)
    violation = tool_choice_violation(request, body)
    if violation is not None:
        errors.append(violation)
    if errors and retry_allowed:
        outcome.retries += 1
        return Review(body, tuple(errors), repair_request(request, body, errors))
    outcome.invalid += len(errors)
    return Review(body, tuple(errors), None)


def parse_string_inputs(response: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """Parse ``tool_use`` inputs that a local server passed through as a JSON string."""
    content = response.get("content")
    if not isinstance(content, list):
        return dict(response), 0
    fixed = 0
    blocks: list[Any] = []
    for block in content:
        parsed = None
        if (
            isinstance(block, Mapping)
            and block.get("type") == "tool_use"
            and isinstance(block.get("input"), str)
        ):
            parsed = json_object(block["input"])
        if parsed is None:
            blocks.append(block)
        else:
            blocks.append({**block, "input": parsed})
            fixed += 1
    return {**response, "content": blocks}, fixed


def json_object(text: str) -> dict[str, Any] | None:
    """``text`` parsed as a JSON object (blank text is ``{}``); None when it is not one."""
    try:
        value = json.loads(text) if text.strip() else {}
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
