"""``fulcrum report``: the file, the PDF, one-line errors, every example scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.probe.store import save_run
from fulcrum.report.sections import probe_section
from fulcrum.testing.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("seed_*.toml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_reports(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    code, text, _ = run_cli(["report", str(example), "--out", str(out), "--draws", "500"], capsys)
    assert code == 0
    assert text.strip() == f"report written: {out}"
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert 'data-chart="cumulative"' in out.read_text()


def test_pdf_through_headless_chromium(
    chromium: str, example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    args = ["report", str(example), "--out", str(out), "--pdf", str(pdf), "--draws", "500"]
    code, text, _ = run_cli(args, capsys)
    assert code == 0, text
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert f"pdf written: {pdf}" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--draws", "0"], "--draws: expected a whole number in [1, 1000000]"),
        (["--draws", "1000001"], "--draws: expected a whole number in [1, 1000000]"),
        (["--target", "2"], "--target: expected a share between 0 and 1"),
        (["--since", "30d"], "--since: only with --usage"),
        (["--since", "90d"], "--since: only with --usage"),
        (["--eval-results", "missing.json"], "missing.json"),
        (["--probe", "no-such-run"], "no-such-run"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    args: list[str], message: str, example: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    code, _, err = run_cli(
        ["report", str(example), "--out", str(tmp_path / "r.html"), *args], capsys
    )
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_pdf_without_chromium_says_what_to_install(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("FULCRUM_CHROMIUM", str(tmp_path / "nowhere"))
    args = [
        "report",
        str(example),
        "--out",
        str(tmp_path / "r.html"),
        "--pdf",
        str(tmp_path / "r.pdf"),
    ]
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert "Chromium not found" in err and "chromium" in err


def test_a_probe_run_is_drawn_beside_the_model() -> None:
    rows = [
        {"concurrency": c, "aggregate_tokens_per_s": 20.0 * c**0.8, "latency_s": {"p50": 1 + c / 4}}
        for c in (1, 2, 4)
    ]
    save_run({"run_id": "run-x", "model": "tiny", "url": "http://127.0.0.1:8080",
              "result": {"concurrency": rows},
              "prediction": {"rates": {"decode_tokens_per_s": {"predicted": 25.0}}}})  # fmt: skip
    section = probe_section(["run-x"])
    html = section.html()
    assert 'data-measured="True"' in html
    assert "model: one stream 25.0 tokens/s" in html
    assert html.count('id="probe-mark-') >= 2
