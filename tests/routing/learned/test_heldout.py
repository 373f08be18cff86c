"""The shipped model on the public data's held-out split: it must beat prompt length by 0.05
APGR on MMLU and GSM8K. The data sits beside the repository (never copied into it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fulcrum.routing.learned import load_default
from fulcrum.routing.learned.data import read_rows
from fulcrum.testing.cli import run_cli

DATA = Path(__file__).resolve().parents[3].parent / "shared/data/router/routellm_train.csv"
MARGIN = 0.05

pytestmark = pytest.mark.skipif(
    not DATA.is_file(), reason=f"public router data not present at {DATA}"
)


def test_the_shipped_model_beats_prompt_length_on_the_held_out_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    args = ["router", "split", str(DATA), "--test-share", "0.2"]
    code, _, err = run_cli([*args, "--out-train", str(train), "--out-test", str(test)], capsys)
    assert code == 0, err
    trained_on = load_default().params.meta
    assert trained_on["rows"] == len(read_rows(train, ())[1])  # the train part, all of it
    code, out, err = run_cli(["router", "eval", str(test), "--json"], capsys)
    assert code == 0, err
    results = {b["benchmark"]: b["routers"] for b in json.loads(out)["benchmarks"]}
    for bench in ("mmlu", "gsm8k"):
        learned = results[bench]["learned"]["apgr"]
        length = results[bench]["prompt-length"]["apgr"]
        assert learned >= length + MARGIN, (bench, learned, length)
