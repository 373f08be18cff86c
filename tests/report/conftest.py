"""Fixtures of the report tests: a ledger and an eval export for the example scenario, a
gateway with a fake frontier API and a fake local server, Chromium."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from fulcrum.fakes import FakeAnthropic, FakeOpenAI
from fulcrum.kinds import BackendKind
from fulcrum.ledger.factory import open_store
from fulcrum.ledger.row import LedgerRow
from fulcrum.report.browser import find_chromium
from fulcrum.testing.pytest_plugin import missing_component
from fulcrum.usage.records import UsageRecord
from fulcrum.usage.store import UsageStore

EXAMPLE = Path(str(resources.files("fulcrum.report").joinpath("data", "example_scenario.toml")))


@pytest.fixture
def example() -> Path:
    return EXAMPLE


@pytest.fixture
def ledger_rows() -> list[LedgerRow]:
    """Three days of calls in the data dir's ledger: two frontier, one local per day."""
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    rows = []
    calls: tuple[tuple[BackendKind, str], ...] = (
        ("api", "1.50"),
        ("api", "0.50"),
        ("local", "0.02"),
    )
    for day in range(3):
        ts = today - timedelta(days=day)
        for kind, cost in calls:
            rows.append(
                LedgerRow(
                    ts=ts,
                    backend="claude" if kind == "api" else "llamacpp",
                    backend_kind=kind,
                    model="m",
                    endpoint="/v1/messages",
                    route_reason="model",
                    input_tokens=1000,
                    output_tokens=100,
                    cost_usd=Decimal(cost) * (day + 1),
                    counterfactual_usd=Decimal("2"),
                    saving_usd=Decimal("2") - Decimal(cost) * (day + 1),
                )
            )
    store = open_store(None)
    try:
        store.insert_many(rows)
    finally:
        store.close()
    return rows


@pytest.fixture
def small_usage() -> None:
    """Five days of imported usage, far below the example's assumed 1.9M tokens per agent-day."""
    now = datetime.now(UTC) - timedelta(hours=1)
    store = UsageStore()
    try:
        store.add(
            [
                UsageRecord(source="claude-code", key=f"k{i}", ts=now - timedelta(days=i % 5),
                            model="claude-sonnet-4-6", input_tokens=2_000, output_tokens=200)
                for i in range(20)
            ]
        )  # fmt: skip
    finally:
        store.close()


@pytest.fixture
def eval_export(tmp_path: Path) -> Path:
    """An export of `fulcrum eval stats --export`: the example's local model vs a frontier one."""
    doc = {
        "kind": "fulcrum.eval.results", "version": 1, "run_id": "run-1",
        "models": [
            {"model": "qwen2.5-coder-72b", "specs": 20, "attempts": 20, "passed": 12,
             "pass_rate": 0.6, "wilson_95": [0.39, 0.78]},
            {"model": "claude-sonnet-4-6", "specs": 20, "attempts": 20, "passed": 17,
             "pass_rate": 0.85, "wilson_95": [0.64, 0.95]},
        ],
        "measured_gap": {
            "candidate": {"model": "qwen2.5-coder-72b", "pass_rate": 0.6},
            "reference": {"model": "claude-sonnet-4-6", "pass_rate": 0.85},
            "gap": 0.25, "gap_ci_95": [0.05, 0.45], "n_specs": 20, "mcnemar_p": 0.06,
            "discordant": {"candidate_only": 0, "reference_only": 5},
            "min_detectable_gap": 0.3, "warning": None,
        },
    }  # fmt: skip
    path = tmp_path / "eval.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
def chromium() -> str:
    path = find_chromium()
    if path is None:
        missing_component("Chromium not found; run scripts/setup_test_deps.sh")
    return path


@pytest.fixture
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots: $FULCRUM_SCREENSHOTS or pytest's temp."""
    explicit = os.environ.get("FULCRUM_SCREENSHOTS")
    return Path(explicit) if explicit else tmp_path_factory.getbasetemp() / "screenshots"


@pytest.fixture
def gateway_toml() -> Iterator[str]:
    """A gateway config: a fake frontier API and a fake OpenAI-compatible local server."""
    with FakeAnthropic() as frontier, FakeOpenAI() as local:
        yield f"""
[backends.claude]
format = "anthropic"
base_url = "{frontier.url}"
kind = "api"
provider = "anthropic"
models = ["claude-sonnet-4-6"]

[backends.llamacpp]
format = "openai"
base_url = "{local.url}"
kind = "local"
models = ["tiny"]

[routes]
default = "claude"
[routes.aliases]
"tiny" = "llamacpp/tiny"

[ui]
refresh_s = 0.3
"""
