"""Saved decisions, ``--compare`` and ``--ics``; ``--fit`` read by decide and throughput."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fulcrum.testing.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
FLEET = str(ROOT / "examples" / "seed_003_fleet.toml")
PRICIER = (
    '[prices."seed-frontier"."seed"]\ninput = "9"\noutput = "40"\n'
    'source = "what-if: prices up 2.25x"\nas_of = "2026-11-01"\n'
)


def test_decide_saves_and_compare_shows_price_and_flip_signal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], _isolated_data_dir: Path
) -> None:
    code, out, _ = run_cli(["decide", FLEET, "--json", "--draws", "500"], capsys)
    assert code == 0
    saved = Path(json.loads(out)["saved_to"])
    assert saved.parent == _isolated_data_dir / "decisions"
    rec = json.loads(saved.read_text())
    assert len(rec["scenario_sha256"]) == 64 and rec["catalog_version"]
    assert rec["inputs"].startswith("# Seed 003") and rec["decision"]["recommendation"]
    cat = tmp_path / "pricier.toml"
    cat.write_text(PRICIER)
    args = ["decide", FLEET, "--draws", "500", "--catalog", str(cat), "--compare", str(saved)]
    code, out, _ = run_cli([*args, "--no-save"], capsys)
    assert code == 0 and "Since the saved decision" in out
    text = " ".join(out.split())
    assert "price of seed-frontier: $4/$18 -> $9/$40 per Mtok" in text
    assert "Frontier API (seed-frontier): $1,188.00 -> $2,655.00/month" in text
    assert "flip signal api-price-2x: now met" in text
    assert len(list(saved.parent.iterdir())) == 1  # --no-save


def test_compare_rejects_a_file_that_is_not_a_saved_decision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("{}")
    code, _, err = run_cli(["decide", FLEET, "--compare", str(bad)], capsys)
    assert code == 2 and "not a saved decision" in err


@pytest.mark.parametrize(
    ("damage", "needle"),
    [
        (lambda d: d["decision"].pop("recommendation"), "no 'recommendation'"),
        (lambda d: d["decision"]["options"][0].update(total_monthly="lots"), "malformed"),
        (lambda d: d.pop("saved_at"), "no 'saved_at'"),
    ],
)
def test_compare_names_what_a_damaged_saved_decision_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Any, needle: str
) -> None:
    code, out, _ = run_cli(["decide", FLEET, "--draws", "200", "--json"], capsys)
    saved = Path(json.loads(out)["saved_to"])
    doc = json.loads(saved.read_text())
    damage(doc)
    saved.write_text(json.dumps(doc))
    code, _, err = run_cli(["decide", FLEET, "--draws", "200", "--compare", str(saved)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{saved}: not a saved decision" in err and needle in err, err


def test_ics_writes_the_reevaluation_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ics = tmp_path / "again.ics"
    code, _, _ = run_cli(
        ["decide", FLEET, "--draws", "500", "--ics", str(ics), "--no-save"], capsys
    )
    body = ics.read_bytes().decode()
    assert code == 0 and body.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20260805\r\n" in body and body.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_fit_file_is_read_by_throughput_and_decide(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fit = tmp_path / "fit.json"
    base = json.loads((ROOT / "src/fulcrum/costs/data/throughput_params.json").read_text())
    base["efficiency"] = {k: v / 2 for k, v in base["efficiency"].items()}
    base["default_efficiency"] /= 2
    fit.write_text(json.dumps(base))
    flags = ["throughput", "--json", "--hardware", "dgx-spark", "--model", "llama-3.3-70b"]
    _, plain, _ = run_cli(flags, capsys)
    _, slow, _ = run_cli([*flags, "--fit", str(fit)], capsys)
    assert json.loads(slow)["decode_tokens_per_s"] < json.loads(plain)["decode_tokens_per_s"]
    code, out, _ = run_cli(["decide", FLEET, "--json", "--no-save", "--fit", str(fit)], capsys)
    local = next(o for o in json.loads(out)["options"] if o["kind"] == "local")
    assert code == 0 and local["decode_tokens_per_s"] < 12.3
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    code, _, err = run_cli([*flags, "--fit", str(bad)], capsys)
    assert code == 2 and "not a throughput fit" in err


def test_compare_follows_the_hybrid_when_its_share_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hybrid's name carries its local share: compare matches options by id, not name."""
    code, out, _ = run_cli(["decide", FLEET, "--json", "--draws", "500"], capsys)
    assert code == 0
    saved = json.loads(out)["saved_to"]
    hybrid = next(o for o in json.loads(out)["options"] if o["kind"] == "hybrid")
    assert hybrid["id"] != hybrid["name"] and "(65% local)" in hybrid["name"]
    half = tmp_path / "half.toml"
    half.write_text(Path(FLEET).read_text().replace("local_share = 0.65", "local_share = 0.5"))
    args = ["decide", str(half), "--draws", "500", "--compare", saved, "--no-save"]
    code, out, _ = run_cli(args, capsys)
    text = " ".join(out.split())
    assert code == 0 and "(50% local): $" in text and " -> $" in text
    assert "option gone" not in text and "new option" not in text
