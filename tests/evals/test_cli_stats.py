from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fulcrum.cli import build_app, main
from fulcrum.evals.store import AttemptRecord, EvalStore
from fulcrum.evals.summary import PairSummary, TaxInputs, pair_tax
from fulcrum.evals.views import summaries
from fulcrum.settings import Paths


def _record(model: str, spec: int, passed: bool) -> AttemptRecord:
    return AttemptRecord(model=model, spec_id=f"s{spec:02d}", epoch=1, spec_group=None,
                         passed=passed, status="passed" if passed else "failed", tries=1,
                         input_tokens=100, output_tokens=20, duration_s=1.0)  # fmt: skip


@pytest.fixture
def brief_run() -> str:
    """The brief's 18/30 vs 24/30 with 2 and 8 discordant specs."""
    store = EvalStore(Paths.build().ledger_sqlite)
    store.ensure_run("brief", "suite", {})
    for i in range(30):
        store.record("brief", _record("local", i, i < 16 or i in (16, 17)))
        store.record("brief", _record("frontier", i, i < 16 or 18 <= i < 26))
    store.close()
    return "brief"


def test_stats_json_export_and_html(brief_run: str, tmp_path: Path) -> None:
    export, html = tmp_path / "gap.json", tmp_path / "eval.html"
    args = ["eval", "stats", brief_run, "--json", "--dispatches", "100", "--rework-minutes",
            "10", "--rate", "100", "--export", str(export), "--html", str(html)]  # fmt: skip
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc == json.loads(export.read_text())
    gap = doc["measured_gap"]
    assert gap["candidate"] == {"model": "local", "pass_rate": pytest.approx(0.6)}
    assert gap["reference"] == {"model": "frontier", "pass_rate": pytest.approx(0.8)}
    assert gap["mcnemar_p"] == pytest.approx(0.109375)
    assert gap["discordant"] == {"candidate_only": 2, "reference_only": 8}
    assert gap["gap_ci_95"][0] < 0.2 < gap["gap_ci_95"][1]
    assert doc["capability_tax"]["usd_per_month"] == "333.33"
    assert 'class="fulcrum-eval"' in html.read_text() and "frontier" in html.read_text()


def test_stats_table(brief_run: str) -> None:
    result = CliRunner().invoke(build_app(), ["eval", "stats", "--candidate", "local"])
    assert result.exit_code == 0, result.output
    assert "24/30" in result.output and "18/30" in result.output
    assert "p = 0.109" in result.output and "80% power" in result.output


def _pair(run: str) -> PairSummary:
    store = EvalStore(Paths.build().ledger_sqlite)
    records = store.attempts(run)
    store.close()
    _, pair, _ = summaries(records)
    assert pair is not None
    return pair


def test_capability_tax_interval_and_validation(brief_run: str) -> None:
    pair = _pair(brief_run)
    tax = pair_tax(pair, TaxInputs(Decimal(2200), Decimal(10), Decimal(100)))
    assert tax.usd_per_month == Decimal("7333.33")
    lo, hi = tax.usd_per_month_ci_95
    assert lo < tax.usd_per_month < hi
    with pytest.raises(Exception, match="rework_minutes must be >= 0"):
        pair_tax(pair, TaxInputs(Decimal(1), Decimal(-1), Decimal(1)))


def test_capability_tax_uses_the_whole_gap(brief_run: str) -> None:
    """A gap of 2/3 over $50,000 of rework is $33,333.33, not the $33,333.35 of a rounded gap."""
    thirds = replace(_pair(brief_run), gap=2 / 3, gap_ci_95=(1 / 3, 1.0))
    tax = pair_tax(thirds, TaxInputs(Decimal(3000), Decimal(10), Decimal(100)))
    assert tax.usd_per_month == Decimal("33333.33")
    assert tax.usd_per_month_ci_95 == (Decimal("16666.67"), Decimal("50000.00"))


def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["eval", "stats"])
    assert info.value.code == 2
    assert "no eval runs recorded yet" in capsys.readouterr().err
    assert not Paths.build().ledger_sqlite.exists()  # reading made no empty ledger


def test_unknown_model_is_named(brief_run: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["eval", "stats", brief_run, "--candidate", "gpt-9"])
    assert info.value.code == 2
    assert "--candidate: model 'gpt-9' is not in this run" in capsys.readouterr().err


def test_a_model_is_not_compared_with_itself(
    brief_run: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["eval", "stats", brief_run, "--candidate", "frontier", "--reference", "frontier"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "--reference: the candidate itself ('frontier')" in err


def test_export_feeds_decide(brief_run: str, tmp_path: Path) -> None:
    """The exported gap is what `fulcrum decide --eval-results` prices (the seed-000 scenario
    has no [capability], so the export's own tax inputs apply)."""
    export = tmp_path / "gap.json"
    args = ["eval", "stats", brief_run, "--dispatches", "100", "--rework-minutes", "10",
            "--rate", "100", "--export", str(export)]  # fmt: skip
    assert CliRunner().invoke(build_app(), args).exit_code == 0
    scenario = Path(__file__).resolve().parents[2] / "examples" / "seed_000_tiers.toml"
    decide = ["decide", str(scenario), "--json", "--draws", "2000", "--eval-results", str(export)]
    result = CliRunner().invoke(build_app(), decide)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    local = {o["capability_tax_monthly"] for o in data["options"] if o["kind"] == "local"}
    assert local == {"333.33"}  # the export's own figure: 20 pts x 100 x 10 min x $100/h
    assert "local vs frontier on 30 specs" in data["capability_basis"]


def _fails(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``fulcrum ARGS``, expect exit 2, return the one stderr line."""
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--dispatches", "nan"), ("--dispatches", "-3000"), ("--rework-minutes", "inf"),
     ("--rate", "1e999999"), ("--rate", "lots")],
)  # fmt: skip
def test_tax_flags_must_be_finite_and_in_range(
    brief_run: str, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    args = ["eval", "stats", brief_run, "--dispatches", "100", flag, value]
    err = _fails(args, capsys)
    assert f"{flag}: expected a number in [0, 1000000000], got {value!r}" in err


@pytest.mark.parametrize(
    ("flag", "case"),
    [("--html", ("", "Is a directory")), ("--export", ("missing/x.json", "No such file"))],
)
def test_unwritable_output_is_one_line(
    brief_run: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str,
    case: tuple[str, str],
) -> None:  # fmt: skip
    target, reason = case
    path = tmp_path / target
    err = _fails(["eval", "stats", brief_run, flag, str(path)], capsys)
    assert f"{flag}: cannot write {path}: {reason}" in err


def test_unknown_run_lists_the_recorded_ones(
    brief_run: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _fails(["eval", "stats", "brif"], capsys)
    assert "unknown run 'brif'; did you mean `brief`? recorded runs, newest first: brief" in err


@pytest.fixture
def three_run() -> str:
    store = EvalStore(Paths.build().ledger_sqlite)
    store.ensure_run("three", "suite", {})
    for i in range(4):
        for model in ("local", "mid", "frontier"):
            store.record("three", _record(model, i, i < 2))
    store.close()
    return "three"


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--candidate", "local", "--dispatches", "100"],
      "--reference: required with 3 models; accepted: frontier, mid"),
     (["--reference", "mid"], "--candidate: required with 3 models; accepted: frontier, local"),
     (["--dispatches", "100"], "--candidate and --reference: required for the tax with 3 "
      "models; accepted: frontier, local, mid")],
)  # fmt: skip
def test_a_pair_asked_of_three_models_names_the_missing_flag(
    three_run: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert message in _fails(["eval", "stats", three_run, *args], capsys)


def test_three_models_without_pair_flags_show_the_table(three_run: str) -> None:
    result = CliRunner().invoke(build_app(), ["eval", "stats", three_run])
    assert result.exit_code == 0, result.output
    assert "mid" in result.output and "capability tax" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--dispatches", "100"], "--dispatches: a pair needs two models; this run has only 'solo'"),
     (["--candidate", "solo"], "--candidate: a pair needs two models; this run has only 'solo'"),
     (["--candidate", "solo", "--reference", "solo"],
      "--reference: the candidate itself ('solo'); accepted: none (this run has only 'solo')")],
)  # fmt: skip
def test_a_one_model_run_says_why_there_is_no_pair(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    store = EvalStore(Paths.build().ledger_sqlite)
    store.ensure_run("one", "suite", {})
    store.record("one", _record("solo", 1, True))
    store.close()
    assert message in _fails(["eval", "stats", "one", *args], capsys)


def test_the_table_fits_80_columns_with_every_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    store = EvalStore(Paths.build().ledger_sqlite)
    store.ensure_run("wide", "suite", {})
    for i in range(33):
        for model in ("qwen2.5-coder-32b", "claude-sonnet-4"):
            rec = replace(_record(model, i, i % 3 > 0), input_tokens=37_411, output_tokens=7_107)
            store.record("wide", rec)
    store.close()
    result = CliRunner().invoke(build_app(), ["eval", "stats", "wide"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(map(len, lines)) <= 80
    row = next(line for line in lines if "22/33" in line)
    for figure in ("22/33", "66.7%", "49.6–80.2%", "1.0", "1,234,563/234,531", "unmetered"):
        assert figure in row, row


def test_one_is_singular() -> None:
    store = EvalStore(Paths.build().ledger_sqlite)
    store.ensure_run("tiny", "suite", {})
    store.record("tiny", _record("local", 1, False))
    store.record("tiny", _record("frontier", 1, True))
    store.close()
    output = " ".join(CliRunner().invoke(build_app(), ["eval", "stats", "tiny"]).output.split())
    assert "frontier vs local on 1 spec: 100.0% vs 0.0%" in output
    assert "(1 spec only frontier passes, 0 only local)" in output
