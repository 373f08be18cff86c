from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from fulcrum.cli import build_app
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
