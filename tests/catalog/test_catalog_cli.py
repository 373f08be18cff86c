from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli


def test_list_hardware_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["catalog", "hardware", "--json"], capsys)
    assert code == 0
    ids = {row["id"] for row in json.loads(out)}
    assert {"rtx-5090", "dgx-spark", "h100-80gb-used"} <= ids


def test_show_model_and_price(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["catalog", "models", "gpt-oss-120b", "--json"], capsys)
    assert code == 0 and json.loads(out)["active_params_b"] == 5.1
    code, out, _ = run_cli(["catalog", "prices", "deepseek-v3.2", "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["input"] == "0.28" and "LiteLLM" in data["source"]


def test_price_list_marks_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["catalog", "prices", "--json"], capsys)
    rows = {r["model"]: r for r in json.loads(out)}
    assert code == 0
    assert rows["llama-3-8b"]["input"] == "unknown"
    assert rows["claude-opus-4-5"]["input"] == "5"


def test_unknown_price_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["catalog", "prices", "no-such-model"], capsys)
    assert code == 2 and "no price known" in err


def test_user_catalog_flag_and_env(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "mine.toml"
    f.write_text(
        '[plans.team]\nname = "Team"\nmonthly_usd = 30\nsource = "invoice"\nas_of = "2026-10-01"\n'
    )
    code, out, _ = run_cli(["catalog", "plans", "--json", "--catalog", str(f)], capsys)
    assert code == 0 and "team" in {p["id"] for p in json.loads(out)}
    monkeypatch.setenv("FULCRUM_CATALOG", str(f))
    code, out, _ = run_cli(["catalog", "plans", "--json"], capsys)
    assert code == 0 and "team" in {p["id"] for p in json.loads(out)}


def test_unknown_hardware_lists_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["catalog", "hardware", "rtx-9999"], capsys)
    assert code == 2 and "accepted:" in err and "rtx-5090" in err


@pytest.mark.parametrize(("columns", "has_source"), [(120, True), (100, False)])
def test_list_tables_keep_ids_whole_and_fit_sources_in_what_is_left(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: int,
    has_source: bool,
) -> None:  # fmt: skip
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run_cli(["catalog", "hardware"], capsys)
    assert code == 0
    assert "mac-studio-m3-ultra-512" in out  # never folded or cut
    assert bool(re.search(r"┃ source +┃", out)) is has_source
    assert ("sources: `fulcrum catalog <kind> ID`" in out) is not has_source
    assert max(len(line) for line in out.splitlines()) <= columns


def test_narrow_terminals_get_one_block_per_entry(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_cli(["catalog", "hardware"], capsys)
    assert code == 0 and "…" not in out
    assert "mac-studio-m3-ultra-512\n" in out and "bandwidth gbps 819.0" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_prices_of_one_provider(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["catalog", "prices", "--provider", "openai", "--json"], capsys)
    rows = json.loads(out)
    assert code == 0 and rows and {r["provider"] for r in rows} == {"openai"}
    assert "claude-sonnet-4-6" not in {r["model"] for r in rows}
    code, out, _ = run_cli(["catalog", "prices", "--provider", "bedrock", "--json"], capsys)
    assert code == 0 and {r["provider"] for r in json.loads(out)} == {"aws"}  # an alias


def test_an_unknown_provider_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["catalog", "prices", "--provider", "nosuch"], capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "--provider: unknown provider 'nosuch'; accepted: " in err
    assert "anthropic" in err and "openai" in err
