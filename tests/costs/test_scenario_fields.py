"""Scenario fields checked where they are read, each error naming the field it is about:
[uncertainty] ranges and keys (decide, tco and report alike), the fields that name a model or
a provider, benchmark scores, the re-evaluation period; and --explain's values."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
FLEET = (ROOT / "examples" / "seed_003_fleet.toml").read_text()
TIERS = (ROOT / "examples" / "seed_000_tiers.toml").read_text()
ACCEPTED = "usd_per_kwh, api_monthly_factor, hardware_price_factor, maintenance_hours_factor, "
ACCEPTED += "extra_failure_rate, rework_minutes, local_share, draws, seed"
TOKENS = "input_tokens_per_day = 100000\noutput_tokens_per_day = 10000"
Edit = Callable[[str], str]


def _in_section(text: str, header: str, old: str, new: str) -> str:
    head, _, tail = text.partition(header)
    return head + header + tail.replace(old, new, 1)


@pytest.mark.parametrize(
    ("edit", "needles"),
    [
        (lambda t: t + "local_share = [1.5, 3]\n", ["uncertainty.local_share", "<= high <= 1"]),
        (lambda t: t + "extra_failure_rate = [5, 50]\n", ["uncertainty.extra_failure_rate"]),
        (lambda t: t + "usd_per_kwh_ = [0.1, 0.2]\n", ["did you mean `usd_per_kwh`?"]),
        (
            lambda t: t.replace("draws = 100000", "drawz = 10"),
            ["uncertainty.drawz: unknown key `drawz`; did you mean `draws`?", ACCEPTED],
        ),
    ],
)
@pytest.mark.parametrize("command", ["decide", "tco"])
def test_uncertainty_is_checked_by_every_command(
    edit: Edit, needles: list[str], command: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    bad = tmp_path / "u.toml"
    bad.write_text(edit(TIERS))
    code, _, err = run_cli([command, str(bad)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert all(n in err for n in needles), err


@pytest.mark.parametrize(
    ("edit", "needles"),
    [
        (
            lambda t: t.replace('model = "deepseek-v3.2"', 'model = "nosuchmodel"'),
            ["cheaper_tier.model: no price known for model 'nosuchmodel'"],
        ),
        (
            lambda t: _in_section(t, "[wake_filter]", "seed-frontier", "nosuchmodel"),
            ["wake_filter.model: no price known for model 'nosuchmodel'"],
        ),
        (
            lambda t: t + '\n[private_tenant]\nprovider = "nosuch"\n',
            ["private_tenant.provider: unknown provider 'nosuch'; accepted: ", "aws", "google"],
        ),
        (
            lambda t: t + '\n[private_tenant]\nprovider = "openai"\n',
            ["private_tenant.provider: no price known for model 'seed-frontier' at 'openai'"],
        ),
        (
            lambda t: t.replace(
                'model = "seed-frontier"', 'model = "seed-frontier"\nprovider = "x"', 1
            ),
            ["api.provider: unknown provider 'x'; accepted: ", "anthropic"],
        ),
        (
            lambda t: t.replace("frontier_score = 79.6", "frontier_score = 500"),
            ["capability.frontier_score: expected a score in points in (0, 100), got 500"],
        ),
        (
            lambda t: t.replace("frontier_score = 79.6", "frontier_score = 79.6\nlocal_score = 0"),
            ["capability.local_score: expected a score in points in (0, 100], got 0"],
        ),
        (
            lambda t: t.replace("re_evaluate_days = 90", "re_evaluate_days = 0"),
            ["scenario.re_evaluate_days: expected an integer in [1, 3660], got 0"],
        ),
        (
            lambda t: t.replace('as_of = "2026-05-07"', "as_of = 2026-05-07T10:00:00"),
            ["scenario.as_of: expected a date YYYY-MM-DD (not a time)"],
        ),
        (
            lambda t: t.replace('as_of = "2026-05-07"', 'as_of = "9999-12-01"'),
            ["scenario.as_of: expected a date from 2000-01-01 to 2100-12-31, got 9999-12-01"],
        ),
        (
            lambda t: _in_section(
                t,
                "[wake_filter]",
                "calls_per_day",
                'hardware = "mac-studio-m4-max-128"\ncalls_per_day',
            ),
            [
                "wake_filter.price_usd: is required: the catalog has no price for",
                "(hardware 'mac-studio-m4-max-128')",
            ],
        ),
        (
            lambda t: t.replace("price_usd = 9500\n", "").replace(
                'hardware = "mac-studio-m3-ultra-512"', 'hardware = "mac-studio-m4-max-128"'
            ),
            ["options[0].price_usd: is required: the catalog has no price for"],
        ),
        (
            lambda t: t.replace("input_tokens_per_day = 1500000\n", ""),
            ["api.input_tokens_per_day: is required beside the other token count"],
        ),
        (
            lambda t: t.replace("price_usd = 9500", "price_usd = 9500\nresidual_usd = 9600"),
            ["options[0].residual_usd: expected at most the box's price (9,500 USD), got 9600"],
        ),
    ],
)
def test_errors_name_the_field_they_are_about(
    edit: Edit, needles: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "f.toml"
    bad.write_text(edit(FLEET))
    assert bad.read_text() != FLEET
    code, _, err = run_cli(["decide", str(bad), "--no-save"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert str(bad) in err and all(n in err for n in needles), err


def test_an_api_provider_with_token_counts_names_the_provider(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text(TIERS.replace("monthly_usd = 250", f'provider = "nosuch"\n{TOKENS}'))
    code, _, err = run_cli(["decide", str(bad), "--no-save"], capsys)
    assert code == 2 and "api.provider: unknown provider 'nosuch'" in err


def test_explain_shows_the_value_the_scenario_sets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = FLEET.replace("target_latency_s = 180", "target_latency_s = 150")
    edited = edited.replace("re_evaluate_days = 90", "re_evaluate_days = 45")
    f = tmp_path / "e.toml"
    f.write_text(edited)
    code, out, _ = run_cli(["decide", str(f), "--json", "--no-save", "--explain"], capsys)
    lines = json.loads(out)["explain"]
    assert code == 0
    assert any(x.startswith("  set  concurrency.target_latency_s = 150:") for x in lines)
    assert any(x.startswith("  set  scenario.re_evaluate_days = 45:") for x in lines)
    assert any(x.startswith("  used hybrid.capability_tax_factor = 0.25:") for x in lines)
    assert json.loads(out)["reevaluate_on"] > ""
