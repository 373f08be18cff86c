from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.catalog import load_catalog
from fulcrum.costs.machine import LocalMachine
from fulcrum.testing.cli import run_cli
from fulcrum.usage.pricing import Pricer
from fulcrum.usage.records import UsageRecord
from fulcrum.usage.whatif import what_if

from .conftest import WINDOW

# rtx-5090: $1,999 over 3 years of 8,760 h; two days covered, added once
MACHINE = Decimal(1999) / (3 * 8760) * 24 * 2


@pytest.mark.usefixtures("two_days")
def test_hybrid_on_the_machine_and_a_cheaper_tier(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["usage", *WINDOW, "--hardware", "rtx-5090", "--json"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    w = json.loads(out)["what_if"]
    assert Decimal(w["now_usd"]) == 6 and w["now_calls_unknown_price"] == 1
    assert Decimal(w["machine_usd"]) == MACHINE
    assert Decimal(w["hybrid_usd"]) == Decimal("0.35") * 6 + MACHINE
    assert w["cheaper_usd"] is None
    code, out, err = run_cli([*args, "--cheaper-model", "claude-haiku-4-5"], capsys)
    w = json.loads(out)["what_if"]
    # Haiku 4.5: $5 per M output, $1 per M input (the unpriced call gets a price here)
    cheaper = Decimal(2) + Decimal("0.000005")
    assert Decimal(w["cheaper_usd"]) == cheaper
    assert Decimal(w["hybrid_usd"]) == Decimal("0.35") * cheaper + MACHINE
    code, out, _ = run_cli(["usage", *WINDOW, "--hardware", "rtx-5090", "--local-share",
                            "0.5", "--cheaper-model", "claude-haiku-4-5"], capsys)  # fmt: skip
    assert code == 0
    assert "what-if over 2 days: now $6.00 +1?" in out
    assert "all on claude-haiku-4-5: $2.00" in out
    assert "hybrid: 50% local (--local-share) on rtx-5090 (machine $3.65, once)" in out
    assert max(map(len, out.splitlines())) <= 80


def test_unknown_cheaper_price_stays_unknown() -> None:
    catalog = load_catalog()
    machine = LocalMachine.from_config({"hardware": "rtx-5090"}, catalog.hardware)
    call = UsageRecord(source="claude-code", key="m/r", ts=datetime(2026, 11, 2, tzinfo=UTC),
                       model="claude-sonnet-4-5", output_tokens=1_000)  # fmt: skip
    w = what_if([call], 1, Pricer(catalog), machine=machine, cheaper_model="mystery")
    assert w.cheaper_usd is None and w.hybrid_usd is None and w.now_usd > 0


def test_a_cheaper_model_without_a_price_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(["usage", "--cheaper-model", "claude-haku-4-5"], capsys)
    assert code == 2 and err.count("\n") == 1 and out == ""
    assert "--cheaper-model: 'claude-haku-4-5' has no API price" in err
    assert "did you mean `claude-haiku-4-5`?" in err and "gpt-5-mini" in err
    code, _, err = run_cli(["usage", "--cheaper-model", "foo"], capsys)
    assert code == 2 and "--cheaper-model: 'foo'" in err and "claude-haiku-4-5" in err


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [("--hardware", "abacus", "rtx-5090"), ("--local-share", "1.5", "0 to 1"),
     ("--local-share", "most", "0 to 1"), ("--local-share", "nan", "0 to 1"),
     ("--local-share", "NaN", "0 to 1"), ("--local-share", "sNaN", "0 to 1"),
     ("--local-share", "inf", "0 to 1"), ("--local-share", "-Infinity", "0 to 1")],
)  # fmt: skip
def test_bad_what_if_flags_are_one_line_exit_2(
    flag: str, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["usage", flag, value], capsys)
    assert code == 2 and err.count("\n") == 1 and says in err and out == ""
    assert err.startswith(f"fulcrum: error: {flag}: ")


GATEWAY = """
[machine]
hardware = "rtx-5090"

[backends.box]
format = "openai"
base_url = "http://127.0.0.1:8080/v1"
kind = "local"
models = ["qwen3-coder"]

[backends.anthropic]
format = "anthropic"
base_url = "https://api.anthropic.com"
api_key_env = "ANTHROPIC_API_KEY"
kind = "api"

[routes]
default = "anthropic"

[policy]
target_local_share = 0.4
"""


@pytest.mark.usefixtures("two_days")
def test_share_and_machine_from_the_gateway_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(GATEWAY, encoding="utf-8")
    args = ["usage", *WINDOW, "--config", str(config)]
    code, out, err = run_cli([*args, "--json"], capsys)
    assert code == 0, err
    w = json.loads(out)["what_if"]
    assert w["hardware"] == "rtx-5090" and Decimal(w["local_share"]) == Decimal("0.4")
    assert w["local_share_source"] == f"[policy] target_local_share in {config}"
    assert Decimal(w["hybrid_usd"]) == Decimal("0.6") * 6 + MACHINE
    code, out, _ = run_cli([*args, "--local-share", "0.5", "--json"], capsys)  # the flag wins
    w = json.loads(out)["what_if"]
    assert Decimal(w["hybrid_usd"]) == Decimal("0.5") * 6 + MACHINE
    assert w["local_share_source"] == "--local-share"
    config.write_text(GATEWAY.replace("0.4", "1.4"), encoding="utf-8")
    code, _, err = run_cli(args, capsys)
    assert code == 2 and "policy.target_local_share" in err and "Traceback" not in err
