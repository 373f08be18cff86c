"""Fixtures for the ledger tests: rows, a fake price source, a throwaway PostgreSQL cluster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

import fulcrum.cli
from fulcrum.catalog.prices import TokenUsage
from fulcrum.ledger.attempts import Attempt
from fulcrum.ledger.row import LedgerRow

MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class FakeCard:
    """USD per million input/output tokens; cache tokens billed at the input rate."""

    input: Decimal
    output: Decimal

    def cost(self, usage: TokenUsage) -> Decimal | None:
        prompt = usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens
        return (prompt * self.input + usage.output_tokens * self.output) / MILLION


class FakePrices:
    """A small price source: reference model $3/$15, a cheap API model $1/$2, nothing else."""

    def __init__(self) -> None:
        self.cards = {
            ("claude-sonnet-4-6", None): FakeCard(Decimal(3), Decimal(15)),
            ("claude-sonnet-4-6", "anthropic"): FakeCard(Decimal(3), Decimal(15)),
            ("cheap-model", "acme"): FakeCard(Decimal(1), Decimal(2)),
        }
        self.lookups: list[tuple[str, str | None]] = []
        self.times: list[datetime | None] = []

    def price(
        self, model: str, provider: str | None = None, *, at: datetime | None = None
    ) -> FakeCard | None:
        self.lookups.append((model, provider))
        self.times.append(at)
        return self.cards.get((model, provider))


@pytest.fixture
def fake_prices() -> FakePrices:
    return FakePrices()


@pytest.fixture
def make_row() -> Callable[..., LedgerRow]:
    def build(**overrides: Any) -> LedgerRow:
        fields: dict[str, Any] = {
            "backend": "anthropic",
            "backend_kind": "api",
            "provider": "anthropic",
            "model": "claude-sonnet-4-6",
            "endpoint": "/v1/messages",
            "input_tokens": 1000,
            "output_tokens": 100,
            "duration_ms": 1200.0,
        }
        fields.update(overrides)
        return LedgerRow(**fields)

    return build


CliResult = tuple[int, str, str]


@pytest.fixture
def ledger_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[list[str]], CliResult]:
    """Run ``fulcrum ARGV`` through the real entry point (its error mapping included), with
    only the ledger's commands registered so these tests do not depend on other capabilities.
    Returns (exit code, stdout, stderr)."""
    monkeypatch.setattr(fulcrum.cli, "COMMAND_MODULES", ("fulcrum.ledger.cli",))

    def run(argv: list[str]) -> CliResult:
        try:
            fulcrum.cli.main(argv)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


class DatedPrices(FakePrices):
    """``cheap-model`` went from $1/$2 to $4/$8 per million on :data:`PRICE_CHANGE`."""

    def price(
        self, model: str, provider: str | None = None, *, at: datetime | None = None
    ) -> FakeCard | None:
        card = super().price(model, provider, at=at)
        if model == "cheap-model" and (at is None or at >= PRICE_CHANGE):
            return FakeCard(Decimal(4), Decimal(8))
        return card


PRICE_CHANGE = datetime(2026, 6, 1, tzinfo=UTC)


FAILOVER_ATTEMPTS = (
    Attempt("claude", "claude-sonnet-4-6", 503, "HTTP 503", 0.4, 12.5),
    Attempt("claude", "claude-sonnet-4-6", None, "no first byte within the timeout", 20.0, 500.0),
    Attempt("gpt", "gpt-4o-mini", 200, None, 521.0, 80.25),
)
