"""Per-request counters of tool-use fixes, written into the ledger row."""

from __future__ import annotations

from dataclasses import dataclass

from fulcrum.wire.usage import TokenUsage


@dataclass(slots=True)
class ToolUseOutcome:
    """What fulcrum did to make one local-model response's tool use acceptable.

    - ``repairs``: tool calls fulcrum fixed without asking the model again (a call printed as
      text turned into a ``tool_use`` block, or an ``input`` sent as a JSON string parsed).
    - ``retries``: requests sent back to the model carrying a validation error (at most one).
    - ``invalid``: problems left in the final response (a call that still fails its schema, or
      an ignored forced ``tool_choice``); the response is returned as the model gave it.
    """

    repairs: int = 0
    retries: int = 0
    invalid: int = 0

    def ledger_fields(self) -> dict[str, int]:
        """The ledger row's ``tool_repairs`` and ``tool_retries``."""
        return {"tool_repairs": self.repairs, "tool_retries": self.retries}


def add_usage(a: TokenUsage, b: TokenUsage) -> TokenUsage:
    """The usage of two calls of one request (the first answer and its retry) together."""
    return TokenUsage(
        a.input_tokens + b.input_tokens,
        a.output_tokens + b.output_tokens,
        a.cache_read_tokens + b.cache_read_tokens,
        a.cache_write_tokens + b.cache_write_tokens,
    )
