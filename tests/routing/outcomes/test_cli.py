"""``fulcrum router signals``: the CSV, the counts, one-line errors, and a round trip
through ``fulcrum router train``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from fulcrum.ledger import open_store
from fulcrum.routing.learned import AgentFeatures, LearnedRouter
from fulcrum.testing.cli import run_cli

from .ledger import row, write_ledger

Capsys = pytest.CaptureFixture[str]


def _signals(capsys: Capsys, ledger: Path | str, out: Path, *extra: str) -> tuple[int, str, str]:
    args = ["router", "signals", "--ledger-url", str(ledger), "--out", str(out), *extra]
    return run_cli(args, capsys)


def test_writes_the_training_rows_and_the_counts_to_stderr(tmp_path: Path, capsys: Capsys) -> None:
    out = tmp_path / "signals.csv"
    code, stdout, err = _signals(capsys, write_ledger(tmp_path / "ledger.db"), out)
    assert code == 0, err
    assert stdout == ""
    assert err.startswith(f"wrote {out}: 17 rows from 26 gateway requests")
    assert "  escalation                3        2  1 no text" in err
    with out.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["id", "prompt", "strong_score", "weak_score", "benchmark",
                                     "kind", "tools", "tokens", "turn", "tool_errors"]  # fmt: skip
        assert len(list(reader)) == 17


def test_json_and_the_period(tmp_path: Path, capsys: Capsys) -> None:
    ledger = write_ledger(tmp_path / "ledger.db")
    out = tmp_path / "signals.csv"
    code, stdout, err = _signals(capsys, ledger, out, "--json", "--since", "2026-11-02T09:06Z",
                                 "--until", "2026-11-02T09:10:30Z")  # fmt: skip
    assert code == 0, err
    body = json.loads(stdout)
    assert (body["out"], body["requests"], body["rows_written"]) == (str(out), 5, 3)
    assert body["signals"]["escalation"]["written"] == 2


@pytest.mark.parametrize(
    ("extra", "url", "starts"),
    [
        ((), "missing.db", "no ledger at"),
        ((), "mysql://db/ledger", "ledger.url: unsupported database URL scheme"),
        (("--since", "2026-13-01"), None, "--since: '2026-13-01' is not a date"),
        (("--until", "2026-11-02T10:00"), None, "--until: '2026-11-02T10:00' has no time zone"),
        (("--retry-window-s", "-1"), None, "--retry-window-s: -1 is not"),
        (("--since", "2027-01-01"), None, "the ledger at sqlite:///"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: Capsys, extra: tuple[str, ...], url: str | None, starts: str
) -> None:
    ledger = write_ledger(tmp_path / "ledger.db")
    target = tmp_path / url if url == "missing.db" else url or ledger
    code, _, err = _signals(capsys, target, tmp_path / "out.csv", *extra)
    assert code == 2
    assert err.startswith(f"fulcrum: error: {starts}"), err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.csv").exists()


def test_without_stored_bodies_nothing_is_written(tmp_path: Path, capsys: Capsys) -> None:
    ledger = tmp_path / "ledger.db"
    store = open_store(str(ledger))
    store.insert_many([row("a", "A", 0, None, local=True), row("b", "A", 1, None, local=True)])
    store.close()
    out = tmp_path / "out.csv"
    code, _, err = _signals(capsys, ledger, out)
    assert code == 2
    assert "  local-ok                  2        0  2 no text" in err
    assert err.strip().splitlines()[-1].startswith("fulcrum: error: no training rows")
    assert not out.exists()


def _public(path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "benchmark", "prompt", "strong_score", "weak_score"])
        for i in range(40):
            hard = i % 2 == 0
            topic = "evaluate the integral of the series" if hard else "name the capital city"
            writer.writerow([f"p{i}", "toy", f"Question {i}: {topic}?", 1, 0 if hard else 1])
    return path


def test_round_trip_through_train(tmp_path: Path, capsys: Capsys) -> None:
    out = tmp_path / "signals.csv"
    assert _signals(capsys, write_ledger(tmp_path / "ledger.db"), out)[0] == 0
    model = tmp_path / "model.npz"
    args = ["router", "train", str(_public(tmp_path / "public.csv")), str(out), "--out", str(model)]
    code, stdout, err = run_cli(args, capsys)
    assert code == 0, err
    assert "57 rows" in stdout
    router = LearnedRouter.load(model)
    score = router.score("prove the lemma", AgentFeatures(kind="other", tools=1, turn=1))
    assert 0.0 <= score <= 1.0


def test_a_request_that_held_a_secret_is_counted_not_written(
    tmp_path: Path, capsys: Capsys
) -> None:
    """The CSV is meant to be shared: a prompt with a secret in it, or a request whose
    decision recorded one (in a tool result, say), never reaches it."""
    key = "AKIA" + "Q7ZL3MX2B9TR4WNP"
    found = json.dumps({"features": {"secrets": ["private-key"]}})
    ledger = tmp_path / "ledger.db"
    store = open_store(str(ledger))
    store.insert_many([
        row("plain", "A", 0, "rename the helper", local=True),
        row("in-text", "B", 1, f"here is my .env: AWS_KEY={key}", local=True),
        row("recorded", "C", 2, "use the key I pasted", local=True, decision=found),
    ])  # fmt: skip
    store.close()
    out = tmp_path / "out.csv"
    code, _, err = _signals(capsys, ledger, out)
    assert code == 0, err
    assert "  local-ok                  3        1  2 held a secret (not written)" in err
    text = out.read_text()
    assert "rename the helper" in text and key not in text and "I pasted" not in text
