"""A recorded ledger for replay tests: three days, bodies and recorded features, a budget
that runs out on day 2 and rolls over on day 3, a rule that fires, rows not replayable.

Every frontier call used 2,000 input and 2,000 output tokens ($0.036 at claude-sonnet-4-6's
$3/$15 per million) except C1 (1,000 and 1,000: $0.018). A body asks for 1,000 output tokens
(a reservation of about $0.015); a row without a body reserves for 4,096 (about $0.063).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fulcrum.ledger import LedgerRow, open_store

AWS_KEY = "aws_access_key_id = AKIAIOSFODNN7EXAMPLF"  # the shape of a real one, not a real one
CALL = Decimal("0.036")
LOCAL = Decimal("0.002")

GATEWAY = """
[ledger]
url = "{ledger}"

[machine]
price_usd = 3000
load_w = 300
life_years = 3
usd_per_kwh = 0.3

[backends.frontier]
format = "anthropic"
base_url = "http://127.0.0.1:9"
provider = "anthropic"
models = ["claude-sonnet-4-6"]

[backends.local]
format = "openai"
base_url = "http://127.0.0.1:9"
kind = "local"
models = ["qwen-local"]

[routes]
default = "frontier"
background_models = []
"""

POLICY = """
[policy]
otherwise = "frontier"

[[policy.rules]]
name = "secrets-stay-home"
when = {{ secrets = true }}
never_leaves = true

[[policy.rules]]
name = "quick-local"
when = {{ text = ["(?i)typo"] }}
route = "local"

[policy.budget]
daily_usd = 0.10
on_exhausted = "{on_exhausted}"
"""


def at(day: int, minute: int) -> datetime:
    return datetime(2026, 11, day, 10, minute, tzinfo=UTC)


def body(text: str) -> str:
    return json.dumps({"model": "claude-sonnet-4-6", "max_tokens": 1000,
                       "messages": [{"role": "user", "content": text}]})  # fmt: skip


def features(**kw: Any) -> str:
    recorded = {"kind": "main", "tools": 0, "tokens": 500, "thinking": False, "turn": 1,
                "tool_errors": 0, "secrets": [], "client_key": None, "repo": None,
                "user_agent": "claude-cli", "model": "claude-sonnet-4-6", **kw}  # fmt: skip
    return json.dumps({"reason": "otherwise", "features": recorded})


def row(session: str, when: datetime, *, local: bool, **kw: Any) -> LedgerRow:
    side: dict[str, Any] = (
        {"backend": "local", "backend_kind": "local", "model": "qwen-local", "cost_usd": LOCAL,
         "duration_ms": 2000.0, "busy_ms": 2000.0}
        if local else
        {"backend": "frontier", "backend_kind": "api", "provider": "anthropic",
         "model": "claude-sonnet-4-6", "cost_usd": CALL}
    )  # fmt: skip
    base: dict[str, Any] = {"session": session, "ts": when, "endpoint": "/v1/messages",
                            "input_tokens": 2000, "output_tokens": 2000, **side}  # fmt: skip
    return LedgerRow(**{**base, **kw})


def rows() -> list[LedgerRow]:
    small = {"input_tokens": 1000, "output_tokens": 1000}
    day1 = [
        row("C", at(1, 0), local=True, decision=features(), frontier_score=0.9, **small),
        row("A", at(1, 1), local=True, request_body=body("Refactor the cache")),
        row("B", at(1, 2), local=False, request_body=body(f"why?\n{AWS_KEY}")),
        row("D", at(1, 3), local=True, decision=features(secrets=["aws-access-key"])),
        row("E", at(1, 4), local=False),  # neither a body nor a decision
        row("G", at(1, 5), local=False, request_body="{not json"),
        row("eval", at(1, 6), local=False, source="eval"),  # not a gateway request
    ]
    day2 = [row(f"S{n}", at(2, n), local=False, request_body=body(f"task {n}"))
            for n in range(1, 5)]  # fmt: skip
    day3 = [
        row("S5", at(3, 0), local=False, request_body=body("task 5")),
        row("H", at(3, 1), local=False, request_body=body("fix the typo in README")),
    ]
    return [*day1, *day2, *day3]


def write_files(tmp: Path, *, on_exhausted: str = "local") -> tuple[Path, Path, Path]:
    """(ledger, gateway config, candidate policy) in ``tmp``."""
    ledger = tmp / "ledger.db"
    store = open_store(str(ledger))
    try:
        store.insert_many(rows())
    finally:
        store.close()
    config, policy = tmp / "gateway.toml", tmp / "policy.toml"
    config.write_text(GATEWAY.format(ledger=ledger))
    policy.write_text(POLICY.format(on_exhausted=on_exhausted))
    return ledger, config, policy
