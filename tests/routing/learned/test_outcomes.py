"""``fulcrum router outcomes``: an eval run's paired per-spec results as training rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fulcrum.evals.store import AttemptRecord, EvalStore
from fulcrum.settings import Paths
from fulcrum.testing.cli import run_cli

Capsys = pytest.CaptureFixture[str]
SPECS = {"fix-slug": "Fix slugify so it drops accents.", "add-cache": "Add an LRU cache."}


def _suite(root: Path) -> Path:
    for spec_id, instruction in SPECS.items():
        (root / spec_id / "files").mkdir(parents=True)
        (root / spec_id / "spec.toml").write_text(
            f'instruction = "{instruction}"\neditable = ["a.py"]\ntest = "true"\n'
        )
    return root


def _record(suite: Path, passes: dict[tuple[str, str], list[bool]]) -> None:
    store = EvalStore(Paths.build().ledger_sqlite)
    try:
        store.ensure_run("run-1", str(suite), {})
        for (model, spec), results in passes.items():
            for epoch, passed in enumerate(results):
                status = "passed" if passed else "failed"
                rec = AttemptRecord(model, spec, epoch, None, passed, status, 1, 10, 10, 1.0)
                store.record("run-1", rec)
    finally:
        store.close()


def test_outcomes_pairs_the_two_models_per_spec(tmp_path: Path, capsys: Capsys) -> None:
    suite = _suite(tmp_path / "suite")
    _record(suite, {
        ("opus", "fix-slug"): [True, True], ("qwen", "fix-slug"): [False, True],
        ("opus", "add-cache"): [True, False], ("qwen", "add-cache"): [False, False],
        ("opus", "gone"): [True],
    })  # fmt: skip
    out = tmp_path / "outcomes.csv"
    args = ["router", "outcomes", "--frontier", "opus", "--local", "qwen", "--out", str(out)]
    code, stdout, err = run_cli(args, capsys)
    assert code == 0, err
    assert "2 rows from run run-1" in stdout
    with out.open(newline="") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert rows["run-1:fix-slug"]["prompt"] == SPECS["fix-slug"]
    assert (rows["run-1:fix-slug"]["strong_score"], rows["run-1:fix-slug"]["weak_score"]) == (
        "1",
        "0.5",
    )
    assert rows["run-1:add-cache"]["benchmark"] == "eval:suite"
    model = tmp_path / "m.npz"
    code, _, err = run_cli(["router", "train", str(out), "--out", str(model)], capsys)
    assert code == 0 and model.is_file(), err


def test_outcomes_names_a_model_the_run_lacks(tmp_path: Path, capsys: Capsys) -> None:
    suite = _suite(tmp_path / "suite")
    _record(suite, {("opus", "fix-slug"): [True]})
    args = ["router", "outcomes", "--frontier", "opus", "--local", "llama"]
    code, _, err = run_cli([*args, "--out", str(tmp_path / "o.csv")], capsys)
    assert code == 2 and "run 'run-1' has no attempts by 'llama'" in err
    code, _, err = run_cli([*args, "--out", str(tmp_path / "o.csv"), "nope"], capsys)
    assert code == 2 and "no eval run 'nope'" in err
