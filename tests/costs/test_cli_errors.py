"""One line and exit 2, never a traceback: unreadable files, paths that cannot be written,
bad fit files, sweeps of the hybrid's share, too many draws."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
FLEET = str(ROOT / "examples" / "seed_003_fleet.toml")
TIERS = ROOT / "examples" / "seed_000_tiers.toml"
CSV = ROOT / "data" / "reference" / "decode_calibration.csv"
BOM = b"\xef\xbb\xbf"


def _one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    code, out, err = run_cli(argv, capsys)
    assert code == 2, out + err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for needle in needles:
        assert needle in err
    return err


@pytest.mark.parametrize("spec", ["local_share=0.1..0.9:0.4", "hybrid.local_share=0..1:0.5"])
def test_sweeping_the_hybrid_share_keys_options_by_a_stable_id(
    spec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["decide", FLEET, "--no-save", "--sweep", spec], capsys)
    assert code == 0 and "C = Mac Studio M3 Ultra 512GB + API (hybrid)" in out
    code, out, _ = run_cli(["decide", FLEET, "--no-save", "--sweep", spec, "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and "Mac Studio M3 Ultra 512GB + API (hybrid)" in data["options"]
    for row in data["rows"]:
        assert [o["id"] for o in row["options"]] == data["options"]
        assert row["recommended"] in data["options"]
    names = [o["name"] for r in data["rows"] for o in r["options"] if "(hybrid)" in o["id"]]
    assert names[0].endswith("(10% local)" if spec.startswith("local") else "(0% local)")


@pytest.mark.parametrize("command", [["decide"], ["tco"], ["report", "--out", "r.html"]])
def test_a_scenario_that_is_not_utf8_is_named(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "latin.toml"
    bad.write_bytes(b'[scenario]\nname="\xff\xfe"\n')
    args = [command[0], str(bad), *command[1:]]
    _one_line_exit_2(args, capsys, str(bad), "not UTF-8")


def test_a_byte_order_mark_is_accepted_in_scenario_catalog_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, cat, csv = tmp_path / "s.toml", tmp_path / "c.toml", tmp_path / "c.csv"
    scenario.write_bytes(BOM + TIERS.read_bytes())
    cat.write_bytes(
        BOM + b'[plans.team]\nname = "T"\nmonthly_usd = 30\nsource = "x"\nas_of = "x"\n'
    )
    csv.write_bytes(BOM + CSV.read_bytes())
    code, out, _ = run_cli(["tco", str(scenario), "--json", "--catalog", str(cat)], capsys)
    assert code == 0 and json.loads(out)["options"][0]["total"] == "9250.00"
    code, out, _ = run_cli(["throughput", "calibrate", str(csv), "--json"], capsys)
    assert code == 0 and json.loads(out)["decode_rows"] >= 60


def test_calibration_csv_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin = tmp_path / "lat.csv"
    latin.write_bytes(b"hardware,test\n\xff,tg128\n")
    _one_line_exit_2(["throughput", "calibrate", str(latin)], capsys, "lat.csv", "not UTF-8")
    _one_line_exit_2(["throughput", "calibrate", str(tmp_path)], capsys, "a directory")
    args = ["throughput", "calibrate", str(CSV), "--write", str(tmp_path)]
    _one_line_exit_2(args, capsys, f"--write: cannot write {tmp_path}: Is a directory")
    short = tmp_path / "short.csv"
    short.write_text(CSV.read_text().splitlines()[0] + "\nbox,100\n")
    _one_line_exit_2(["throughput", "calibrate", str(short)], capsys, "no decode")


def test_ics_that_cannot_be_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nowhere" / "x.ics"
    args = ["decide", FLEET, "--no-save", "--ics", str(target)]
    _one_line_exit_2(args, capsys, f"--ics: cannot write {target}: No such file or directory")


@pytest.mark.parametrize(
    ("fit", "field"),
    [
        ({"efficiency": {}, "overhead_s": -1, "default_efficiency": 0}, "default_efficiency"),
        ({"efficiency": {}, "overhead_s": -1, "default_efficiency": 0.8}, "overhead_s"),
        (
            {"efficiency": {"cuda": 0}, "overhead_s": 0, "default_efficiency": 0.8},
            "efficiency.cuda",
        ),
        ({"efficiency": {}, "overhead_s": 0, "default_efficiency": 1e308}, "default_efficiency"),
    ],
)
def test_bad_fit_files_name_the_file_and_field(
    fit: dict[str, object], field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "badfit.json"
    bad.write_text(json.dumps(fit))
    flags = ["throughput", "--hardware", "dgx-spark", "--model", "qwen3-coder-30b-a3b"]
    _one_line_exit_2([*flags, "--fit", str(bad)], capsys, f"{bad}: {field}: expected")
    _one_line_exit_2(["decide", FLEET, "--no-save", "--fit", str(bad)], capsys, field)


@pytest.mark.parametrize("command", ["decide", "report"])
def test_draws_are_capped(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [command, FLEET, "--draws", "1000001"]  # one over: without the cap it runs
    args += ["--no-save"] if command == "decide" else ["--out", str(tmp_path / "r.html")]
    _one_line_exit_2(args, capsys, "--draws: expected a whole number in [1, 1000000]")
    many = tmp_path / "many.toml"
    many.write_text(TIERS.read_text().replace("draws = 100000", "draws = 100000000"))
    _one_line_exit_2(["tco", str(many)], capsys, "uncertainty.draws", "[1, 1000000]")


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--usage-source", "claude-code"], "--usage-source: only with --usage"),
        (["--since", "30d"], "--since: only with --usage"),
        (["--since", "90d"], "--since: only with --usage"),  # its default, given: still ignored
        (["--sweep", "agents=1..3", "--explain"], "--explain: not with --sweep"),
        (["--sweep", "agents=1..3", "--compare", FLEET], "--compare: not with --sweep"),
    ],
)
def test_a_flag_that_would_be_ignored_is_an_error(
    flags: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _one_line_exit_2(["decide", FLEET, "--no-save", *flags], capsys, needle)


def test_rented_hours_are_hours_of_a_month(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rent = '\n[rent]\nhardware = "h100-80gb-sxm"\nlocal_model = "qwen3-coder-30b-a3b"\n'
    for hours in (0, 800):
        path = tmp_path / f"r{hours}.toml"
        path.write_text(TIERS.read_text() + rent + f"hours_per_month = {hours}\n")
        needle = f"rent.hours_per_month: expected a number in [1, 744], got {hours}"
        _one_line_exit_2(["decide", str(path), "--no-save"], capsys, needle)


def test_values_the_schema_takes_do_not_crash_the_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token count written as text is named (it was a TypeError before the type check); a
    reference price of 0 has no ratio to rise from (it was a DivisionByZero)."""
    text = Path(FLEET).read_text()
    quoted = tmp_path / "quoted.toml"
    quoted.write_text(text.replace("input_tokens_per_day = 1500000",
                                   'input_tokens_per_day = "1500000"'))  # fmt: skip
    assert quoted.read_text() != text
    _one_line_exit_2(["decide", str(quoted), "--no-save"], capsys,
                     "api.input_tokens_per_day: expected an integer")  # fmt: skip
    free = tmp_path / "free.toml"
    free.write_text(text.replace("reference_input_usd_per_mtok = 4",
                                 "reference_input_usd_per_mtok = 0"))  # fmt: skip
    assert free.read_text() != text
    code, out, err = run_cli(["decide", str(free), "--no-save"], capsys)
    assert code == 0 and "Recommendation:" in out, err


@pytest.mark.parametrize(
    ("spec", "words"),
    [("agents=0..3", "--sweep: api.agents = 0: expected an integer >= 1"),
     ("agents=1..3:0.5", "(a whole STEP for a whole-number input)")],
)  # fmt: skip
def test_a_sweep_value_the_field_refuses_blames_the_flag(
    spec: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """It blamed the scenario file ("seed_003_fleet.toml: api.agents: ..."), which is fine."""
    err = _one_line_exit_2(["decide", FLEET, "--no-save", "--sweep", spec], capsys, words)
    assert "seed_003_fleet.toml" not in err
