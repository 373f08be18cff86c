"""``fulcrum wake replay`` on the sample events against a gateway with a fake backend."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fulcrum.cli import main
from fulcrum.evals.stats import wilson
from fulcrum.fakes import FakeOpenAI, Reply
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import running_gateway
from fulcrum.wake.replay import read_events

from .helpers import config

SAMPLE = Path(__file__).parents[2] / "examples" / "wake" / "events.jsonl"
WRONG = 8  # the last 8 events get the other label


def script(fake: FakeOpenAI) -> list[str]:
    """One reply per sample event, in order: right for all but the last :data:`WRONG`."""
    events = read_events(SAMPLE)
    labels = [e.label or "" for e in events]
    given = labels[:-WRONG] + ["ignore" if x == "wake" else "wake" for x in labels[-WRONG:]]
    for label in given:
        body = {"wake": label == "wake", "label": label, "confidence": 0.8, "reason": "r"}
        fake.push(Reply(json.dumps(body), input_tokens=500, output_tokens=50))
    return given


def run(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    try:
        main(["wake", "replay", str(SAMPLE), "--concurrency", "1", "--json", *args])
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr().err
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def check(report: dict[str, Any], given: list[str]) -> None:
    n, agreed = 40, 40 - WRONG
    assert (report["events"], report["decided"], report["errors"]) == (n, n, 0)
    assert report["wakes"] == given.count("wake")
    assert report["wake_rate"] == pytest.approx(given.count("wake") / n)
    assert (report["fallbacks"], report["retried"]) == (0, 0)
    agreement = report["agreement"]
    assert (agreement["labelled"], agreement["agreed"]) == (n, agreed)
    assert agreement["rate"] == pytest.approx(agreed / n)
    assert agreement["wilson_95"] == pytest.approx(list(wilson(agreed, n)))
    latency = report["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
    assert report["tokens"] == {"input": 500 * n, "output": 50 * n}
    cost, month = report["cost"], report["projection"]
    assert cost["ledger_rows"] == n
    # claude-sonnet-4-6 at $3 / $15 per million: 500 in + 50 out = $0.00225 a call
    assert Decimal(cost["frontier_usd"]) == Decimal("0.00225") * n
    assert Decimal(cost["per_call_frontier_usd"]) == Decimal("0.00225")
    assert month["calls_per_day"] == 1900
    assert Decimal(month["frontier_usd_per_month"]) == Decimal("128.25")  # x 1,900 x 30
    local = Decimal(cost["local_usd"])
    assert 0 < local < Decimal(cost["frontier_usd"]) / 100  # milliseconds of a $2,000 box
    assert Decimal(cost["saving_usd"]) == Decimal(cost["frontier_usd"]) - local


def test_replay_on_a_gateway_started_from_a_config(
    fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    given = script(fake_openai)
    path = tmp_path / "gateway.toml"
    path.write_text(config(fake_openai.url), encoding="utf-8")
    check(run(capsys, "--config", str(path)), given)
    rows = open_store(None).rows()
    assert len(rows) == 40 and {r.endpoint for r in rows} == {"/v1/wake/default"}
    sent = [json.loads(r.raw)["messages"][1]["content"] for r in fake_openai.requests]
    assert sent[0].startswith("Event:\nGitHub Actions: CI failed on main")
    assert '"source": "github"' in sent[0]


def test_replay_against_a_running_gateway_reads_its_ledger(
    fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    given = script(fake_openai)
    with running_gateway(config(fake_openai.url)) as gw:
        check(run(capsys, "--url", gw.url), given)


def test_the_text_report_names_the_numbers(
    fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    script(fake_openai)
    path = tmp_path / "gateway.toml"
    path.write_text(config(fake_openai.url), encoding="utf-8")
    try:
        main(["wake", "replay", str(SAMPLE), "--config", str(path), "--concurrency", "1"])
    except SystemExit as exc:
        assert not exc.code
    out = capsys.readouterr().out
    assert "wake rate" in out and "80.0% (32/40; 95%" in out
    assert "$128.25" in out


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('{"label": "wake"}', ":2: event: expected a non-empty string"),
        ('{"event": "x", "lable": "wake"}', ":2: lable: unknown key"),
        ("[1, 2]", ":2: expected a JSON object"),
        ("{nope", ":2: not a JSON object"),
    ],
)
def test_a_bad_events_line_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, words: str
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text('{"event": "fine"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["wake", "replay", str(events)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ('{"event": "caf\u00e9"}\n'.encode("latin-1"), "not UTF-8: byte 0xe9 on line 1"),
        (b'{"event": "x"}\n', "--url: expected an http:// or https:// URL"),
    ],
)
def test_a_file_not_in_utf8_or_a_url_not_http_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, words: str
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\xef\xbb\xbf" + data if b"caf" not in data else data)  # a BOM is fine
    with pytest.raises(SystemExit) as exc:
        main(["wake", "replay", str(events), "--url", "127.0.0.1:9"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_url_and_config_together_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --config starts its own gateway: a --url beside it was silently ignored
    cfg = tmp_path / "gw.toml"
    cfg.write_text("", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["wake", "replay", str(SAMPLE), "--url", "http://127.0.0.1:9", "--config", str(cfg)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--url: not with --config" in err and err.count("\n") == 1


def test_no_gateway_at_the_url_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["wake", "replay", str(SAMPLE), "--url", "http://127.0.0.1:9"])
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("fulcrum: error: cannot reach the gateway") and "\n" not in err


def test_events_the_gateway_refuses_are_counted_as_errors(
    fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_gateway(config(fake_openai.url)) as gw, pytest.raises(SystemExit) as exc:
        main(["wake", "replay", str(SAMPLE), "--json", "--url", gw.url, "--filter", "nope"])
    assert exc.value.code == 1  # it exited 0 with nothing decided
    out, err = capsys.readouterr()
    assert "fulcrum: error: no event was decided (40 errors; line 3: HTTP 404" in err
    report = json.loads(out)  # the report still says what happened
    assert (report["events"], report["decided"], report["errors"]) == (40, 0, 40)
    assert report["error_samples"][0].startswith("line 3: HTTP 404: no wake filter named")
    assert report["wake_rate"] is None and report["cost"]["ledger_rows"] == 0
    assert fake_openai.requests == []


def test_an_unknown_filter_in_the_config_stops_before_any_event_is_sent(
    fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text(config(fake_openai.url), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["wake", "replay", str(SAMPLE), "--config", str(path), "--filter", "nosuch"])
    assert exc.value.code == 2 and fake_openai.requests == []
    err = capsys.readouterr().err
    assert "--filter: no filter named 'nosuch'" in err and "configured: default" in err


def test_labels_the_filter_cannot_pick_are_no_disagreement(
    fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # events labelled wake/ignore against a page/later/noise filter: "0% agreement" before
    wake = '[wake]\nlabels = ["page", "later", "noise"]\nwake_labels = ["page"]'
    for _ in range(40):
        body = {"wake": True, "label": "page", "confidence": 0.8, "reason": "r"}
        fake_openai.push(Reply(json.dumps(body)))
    path = tmp_path / "gateway.toml"
    path.write_text(config(fake_openai.url, wake=wake), encoding="utf-8")
    agreement = run(capsys, "--config", str(path))["agreement"]
    assert (agreement["labelled"], agreement["rate"]) == (0, None)
    assert agreement["outside"] == 40 and agreement["outside_labels"] == ["ignore", "wake"]
