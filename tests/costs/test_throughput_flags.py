"""``fulcrum throughput``: every number in its range (no NaN or infinity in the output), flags
that win over the catalog's figures, and the flag combinations it refuses."""

from __future__ import annotations

import json

import pytest

from fulcrum.testing.cli import run_cli

NUMBERS = ["--params-b", "8", "--model-size-gb", "4.9"]
CATALOG = ["--hardware", "dgx-spark", "--model", "qwen3-coder-30b-a3b"]


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, float]:
    code, out, err = run_cli(["throughput", "--json", *argv], capsys)
    assert code == 0, err
    data: dict[str, float] = json.loads(out)
    return data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bandwidth-gbps", "nan", *NUMBERS], "--bandwidth-gbps: expected a number in [0.001"),
        (["--bandwidth-gbps", "inf", *NUMBERS], "--bandwidth-gbps: expected a number in"),
        (["--bandwidth-gbps", "1e308", *NUMBERS], "--bandwidth-gbps: expected a number in"),
        (["--bandwidth-gbps", "100", *NUMBERS, "--output-tokens", "-10"], "--output-tokens"),
        (["--bandwidth-gbps", "100", *NUMBERS, "--context-tokens", "-5"], "--context-tokens"),
        (
            ["--bandwidth-gbps", "100", *NUMBERS, "--kv-bytes-per-token", "-100000"],
            "--kv-bytes-per-token: expected a number in [0, ",
        ),
        (
            ["--bandwidth-gbps", "100", "--active-params-b", "60", "--params-b", "30"],
            "--active-params-b: expected a number in [0.001, 30] (at most --params-b)",
        ),
        (["--bandwidth-gbps", "100", *NUMBERS, "--compute-tflops", "0"], "--compute-tflops"),
        (
            ["--bandwidth-gbps", "100", *NUMBERS, "--backend", "foo"],
            "--backend: expected one of metal, mlx, cuda",
        ),
        (["--model", "qwen3-coder-30b-a3b"], "--hardware is required"),
        ([*CATALOG, "--model-size-gb", "3"], "--model-size-gb: not with --model"),
        ([*CATALOG, "--bandwidth-gbps", "nan"], "--bandwidth-gbps"),
    ],
)
def test_bad_numbers_and_combinations_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["throughput", "--json", *args], capsys)
    assert code == 2 and message in err, err
    assert out == "" and len(err.strip().splitlines()) == 1


def test_machine_flags_win_over_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    base = _json(CATALOG, capsys)
    faster = _json([*CATALOG, "--bandwidth-gbps", "546"], capsys)
    assert faster["decode_ceiling_tokens_per_s"] == pytest.approx(
        base["decode_ceiling_tokens_per_s"] * 2, rel=0.01
    )  # the DGX Spark's catalog bandwidth is 273 GB/s
    more = _json([*CATALOG, "--compute-tflops", "2000"], capsys)
    assert more["prefill_tokens_per_s"] > base["prefill_tokens_per_s"]
    metal = _json([*CATALOG, "--backend", "metal"], capsys)
    assert metal["decode_tokens_per_s"] < base["decode_tokens_per_s"]  # metal fits lower
    assert metal["fits"] is True


def test_a_catalog_machine_with_a_model_given_by_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    on_spark = _json(["--hardware", "dgx-spark", *NUMBERS], capsys)
    by_hand = _json(["--bandwidth-gbps", "273", *NUMBERS, "--backend", "cuda"], capsys)
    assert on_spark["decode_tokens_per_s"] == by_hand["decode_tokens_per_s"]


def test_a_latency_without_the_prompts_reading_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--bandwidth-gbps", "100", "--params-b", "7", "--output-tokens", "0"]
    code, out, _ = run_cli(["throughput", "--json", *flags], capsys)
    call = json.loads(out)["call"]
    assert code == 0 and call["latency_excludes"] == "prefill (give --compute-tflops)"
    code, out, _ = run_cli(["throughput", "--json", *flags, "--compute-tflops", "50"], capsys)
    call = json.loads(out)["call"]
    assert code == 0 and "latency_excludes" not in call and call["latency_s"] > 0
