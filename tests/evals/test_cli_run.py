from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fulcrum.cli import build_app, main
from fulcrum.evals.scripted import ScriptedModel, serve_in_thread
from fulcrum.evals.spec import load_suite
from fulcrum.evals.store import EvalStore
from fulcrum.settings import Paths

from .helpers import make_spec

GOOD = "def answer():\n    return 42\n"
CHECK = "from mod import answer\n\n\ndef test_answer():\n    assert answer() == 42\n"


def test_run_then_rerun_resumes(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    for name in ("alpha", "beta", "gamma"):
        make_spec(suite, name, start="", solution=GOOD, test=CHECK)
    specs = load_suite(suite)
    model = ScriptedModel(specs, {"m": {"alpha": True, "beta": True}})
    with serve_in_thread(model) as url:
        args = ["eval", "run", str(suite), "-m", "m", "--base-url", url, "--no-progress",
                "--tries", "2"]  # fmt: skip
        first = CliRunner().invoke(build_app(), args)
        second = CliRunner().invoke(build_app(), args)
    assert first.exit_code == 0, first.output
    assert "3 attempts run, 0 already recorded" in first.output
    assert "sandbox: unprivileged user " in first.output and "{" not in first.output
    assert "0 attempts run, 3 already recorded" in second.output
    # gamma failed on both tries (the failing output was fed back), alpha and beta in one
    assert len(model.calls) == 4
    store = EvalStore(Paths.build().ledger_sqlite)
    [(run_id, _, _)] = store.runs()
    records = {r.spec_id: r for r in store.attempts(run_id)}
    store.close()
    assert {k: (r.passed, r.tries) for k, r in records.items()} == {
        "alpha": (True, 1), "beta": (True, 1), "gamma": (False, 2),
    }  # fmt: skip


def test_a_run_id_resumes_only_the_same_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for suite, names in ((one, ("alpha", "beta")), (two, ("alpha", "beta", "gamma"))):
        for name in names:
            make_spec(suite, name, start="", solution=GOOD, test=CHECK)
    model = ScriptedModel(load_suite(two), {"m": {"alpha": True}, "n": {}})
    with serve_in_thread(model) as url:

        def run(suite: Path, *models: str) -> int:
            flags = [f for m in models for f in ("-m", m)]
            args = ["eval", "run", str(suite), *flags, "--base-url", url, "--no-progress",
                    "--tries", "1", "--run-id", "shared"]  # fmt: skip
            with pytest.raises(SystemExit) as info:
                main(args)
            return int(info.value.code or 0)

        assert run(one, "m", "n") == 0
        capsys.readouterr()
        assert run(two, "m", "n") == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert f"run 'shared' was recorded with another configuration (suite {one})" in err
        assert "specs: 1 added, 0 missing; pick another run id" in err
        assert run(one, "m") == 2
        assert "models m, n now m" in capsys.readouterr().err
        assert run(one, "n", "m") == 0  # the same run, models in another order: a resume
        assert "0 attempts run, 4 already recorded" in capsys.readouterr().out
    store = EvalStore(Paths.build().ledger_sqlite)
    assert {r.spec_id for r in store.attempts("shared")} == {"alpha", "beta"}
    store.close()
