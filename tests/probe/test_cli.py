"""``fulcrum probe`` end to end against the fake: table, --json with samples, storage, --list."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli

from .fake import Speeds, serve_in_thread

HW, MODEL = "rtx-3090", "llama-3-8b"
FAST = ["--max-prompt-tokens", "2048", "--output-tokens", "16", "--max-concurrency", "2"]
FAST += ["--repeats", "2", "--rounds", "2", "--warmup", "1"]
Capsys = pytest.CaptureFixture[str]


def test_probe_prints_a_table_within_80_columns_and_stores_the_run(capsys: Capsys) -> None:
    with serve_in_thread(Speeds(slots=4)) as url:
        code, out, _ = run_cli(["probe", url, *FAST], capsys)
    assert code == 0
    assert "prefill" in out and "decode" in out and "goodput  2 concurrent agents" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    code, listed, _ = run_cli(["probe", "--list"], capsys)
    assert code == 0 and len(listed.splitlines()) == 2
    assert max(len(line) for line in listed.splitlines()) <= 80


def test_probe_json_has_every_raw_sample(capsys: Capsys) -> None:
    with serve_in_thread(Speeds(slots=4)) as url:
        code, out, _ = run_cli(["probe", url, "--json", *FAST], capsys)
    run = json.loads(out)
    phases = [s["phase"] for s in run["samples"]]
    assert code == 0 and "warmup" not in phases
    assert phases.count("prefill") == 2 * len(run["plan"]["prompt_lengths"])
    assert phases.count("concurrency") == 2 * (1 + 2)
    assert run["plan"]["levels"] == [1, 2]
    assert all(s["chunk_times_s"] for s in run["samples"])
    code, out, _ = run_cli(["probe", "--list", "--json"], capsys)
    assert [r["run_id"] for r in json.loads(out)] == [run["run_id"]]


def test_probe_prints_the_models_prediction_beside_the_measurement(capsys: Capsys) -> None:
    args = ["--hardware", HW, "--model-id", MODEL]
    with serve_in_thread(Speeds(slots=4)) as url:
        code, out, _ = run_cli(["probe", url, "--json", *FAST, *args], capsys)
    decode = json.loads(out)["prediction"]["rates"]["decode_tokens_per_s"]
    assert code == 0 and decode["predicted"] > 0 and decode["measured"] > 0
    expected = (decode["predicted"] - decode["measured"]) / decode["measured"]
    assert decode["error"] == pytest.approx(expected)
    with serve_in_thread(Speeds(slots=4)) as url:
        code, out, _ = run_cli(["probe", url, *FAST, *args], capsys)
    assert f"model ({HW}, {MODEL})" in out and max(len(x) for x in out.splitlines()) <= 80


def test_a_web_page_answer_is_one_line_not_a_measurement(capsys: Capsys) -> None:
    # a 200 sign-in page was stored as a run meeting the SLO at every level
    with serve_in_thread(Speeds(page=True)) as url:
        code, out, err = run_cli(["probe", url, *FAST], capsys)
    assert code == 2 and out == "" and err.strip().count("\n") == 0  # the progress bar's \n
    assert "expected a streamed answer (text/event-stream), got text/html" in err
    code, listed, _ = run_cli(["probe", "--list", "--json"], capsys)
    assert json.loads(listed) == []


def test_usage_of_zeros_is_no_traceback_and_the_text_is_counted(capsys: Capsys) -> None:
    # every prompt "0 tokens": the prefill line was fitted through one x (numpy's SVD error)
    with serve_in_thread(Speeds(slots=4, zero_usage=True)) as url:
        code, out, err = run_cli(["probe", url, "--json", *FAST], capsys)
    assert code == 0, err
    run = json.loads(out)
    assert run["result"]["prefill"]["tokens_per_s"] is None
    assert run["result"]["decode"]["tokens_per_s"] > 0  # the 16 text events, counted


def test_a_stream_of_no_text_meets_no_slo(capsys: Capsys) -> None:
    with serve_in_thread(Speeds(slots=4, silent=True)) as url:
        code, out, _ = run_cli(["probe", url, "--json", *FAST], capsys)
    result = json.loads(out)["result"]
    assert code == 0 and result["goodput"] == 0
    assert [level["slo_met_share"] for level in result["concurrency"]] == [0.0, 0.0]


@pytest.mark.parametrize(("flag", "value"), [("--quant", "Q8_0"), ("--catalog", "extra.toml")])
def test_machine_flags_without_the_machine_are_refused(
    capsys: Capsys, flag: str, value: str
) -> None:
    # they describe the machine the run is compared with: without it they were ignored
    code, _, err = run_cli(["probe", "http://127.0.0.1:9", flag, value], capsys)
    assert code == 2 and f"{flag}: only with --hardware and --model-id" in err


def test_unknown_api_and_missing_url_are_one_line_errors(capsys: Capsys) -> None:
    code, _, err = run_cli(["probe", "http://127.0.0.1:9", "--api", "grpc"], capsys)
    assert code == 2 and "--api: 'grpc'" in err and "Traceback" not in err
    code, _, err = run_cli(["probe"], capsys)
    assert code == 2 and "URL:" in err


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("127.0.0.1:9", "'127.0.0.1:9'"),
        ("ftp://127.0.0.1:9", "'ftp://127.0.0.1:9'"),
        ("http://", "'http://'"),
        ("http://127.0.0.1:99999", "'http://127.0.0.1:99999'"),
        ("http://admin:s3cret@127.0.0.1:99999", "'http://admin:***@127.0.0.1:99999'"),
    ],
)
def test_a_url_that_is_not_http_is_refused_before_probing(
    capsys: Capsys, url: str, shown: str
) -> None:
    code, out, err = run_cli(["probe", url], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "URL: expected an http:// or https:// URL with a host" in err and shown in err
    assert "s3cret" not in err


def test_a_failed_probe_names_the_url_without_its_secrets(capsys: Capsys) -> None:
    url = "http://admin:s3cret@127.0.0.1:9/?api_key=sk-live-123"
    code, _, err = run_cli(["probe", url, *FAST], capsys)
    assert code == 1 and "probe failed" in err  # a server not reached: the job failed
    assert "http://admin:***@127.0.0.1:9/?api_key=***" in err
    assert "s3cret" not in err and "sk-live" not in err


@pytest.mark.parametrize("flag", ["--ttft-ms", "--min-decode-tps"])
@pytest.mark.parametrize("value", ["nan", "inf", "0", "-5"])
def test_slo_flags_take_a_positive_number(capsys: Capsys, flag: str, value: str) -> None:
    code, _, err = run_cli(["probe", "http://127.0.0.1:9", flag, value], capsys)
    assert code == 2 and f"{flag}: expected a number above 0" in err


def test_list_shows_unreadable_runs_without_failing(tmp_path: Path, capsys: Capsys) -> None:
    with serve_in_thread(Speeds(slots=4)) as url:
        assert run_cli(["probe", url, *FAST], capsys)[0] == 0
    folder = Path(os.environ["FULCRUM_DATA_DIR"]) / "probe"
    (folder / "a-list.json").write_text("[1, 2]")
    (folder / "b-broken.json").write_text("{bad")
    (folder / "c-odd.json").write_text(
        '{"model": "m", "result": {"decode": {"tokens_per_s": "x"}}}'
    )
    code, out, err = run_cli(["probe", "--list"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert "a-list" in out and "unreadable: not a JSON object" in out
    assert any(line.startswith("b-broken") and "unreadable:" in line for line in lines)
    assert any(line.startswith("c-odd") and line.split()[2:] == ["-", "-", "-"] for line in lines)
    assert len(lines) == 5 and max(len(line) for line in lines) <= 80
    code, out, _ = run_cli(["probe", "--list", "--json"], capsys)
    assert code == 0 and {r["run_id"] for r in json.loads(out)} >= {"a-list", "b-broken"}


def test_calibrate_stores_the_machines_efficiency_and_later_predictions_use_it(
    capsys: Capsys,
) -> None:
    args = ["--json", *FAST, "--hardware", HW, "--model-id", MODEL]
    with serve_in_thread(Speeds(decode_rate=100.0, slots=4)) as url:
        code, out, err = run_cli(["probe", url, *args, "--calibrate"], capsys)
        assert code == 0, err
        first = json.loads(out)
        code, out, _ = run_cli(["probe", url, *args], capsys)
    measured = first["result"]["decode"]["tokens_per_s"]
    fit = first["calibration"]
    assert fit.endswith(f"calibration/{HW}.json")
    decode = json.loads(out)["prediction"]["rates"]["decode_tokens_per_s"]
    assert decode["predicted"] == pytest.approx(measured, rel=1e-6)
    argv = ["throughput", "--hardware", HW, "--model", MODEL, "--fit", fit, "--json"]
    code, out, _ = run_cli(argv, capsys)
    assert code == 0
    assert json.loads(out)["decode_tokens_per_s"] == pytest.approx(measured, rel=0.01)


def test_api_key_from_an_environment_variable_is_sent_and_never_printed(
    capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-probe-secret-123"
    monkeypatch.setenv("PROBE_KEY", secret)
    with serve_in_thread(Speeds(slots=4, key=secret)) as url:
        code, out, err = run_cli(["probe", url, "--api-key-env", "PROBE_KEY", *FAST], capsys)
        assert code == 0 and "goodput" in out
        assert secret not in out + err
        code, json_out, err = run_cli(
            ["probe", url, "--json", "--api-key-env", "PROBE_KEY", *FAST], capsys
        )
        assert code == 0 and secret not in json_out + err
        code, _, err = run_cli(["probe", url, *FAST], capsys)  # no key: the upstream's 401
        assert code == 2 and "HTTP 401" in err
    code, _, err = run_cli(["probe", url, "--api-key-env", "NOT_SET_ANYWHERE"], capsys)
    assert code == 2 and "NOT_SET_ANYWHERE is not set" in err
