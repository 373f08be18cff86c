"""Attempts the upstream cut short are ``error``: not results, counted, reported and retried."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from fulcrum.cli import build_app
from fulcrum.evals.scripted import ScriptedModel, serve_in_thread
from fulcrum.evals.spec import load_suite
from fulcrum.evals.store import EvalStore
from fulcrum.settings import Paths

from .helpers import make_spec
from .proxy import failing_proxy

GOOD = "def answer():\n    return 42\n"
CHECK = "from mod import answer\n\n\ndef test_answer():\n    assert answer() == 42\n"
SPECS = ("a", "b", "c", "d", "e")


def _suite(tmp_path: Path) -> Path:
    suite = tmp_path / "suite"
    for name in SPECS:
        make_spec(suite, name, start="", solution=GOOD, test=CHECK)
    return suite


def _text(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content")) for m in body.get("messages", []))


def _run(suite: Path, url: str, *extra: str) -> Any:
    args = ["eval", "run", str(suite), "--base-url", url, "--no-progress", "--run-id", "r1",
            *extra]  # fmt: skip
    return CliRunner().invoke(build_app(), args)


def _attempts() -> dict[tuple[str, str], tuple[str, int]]:
    store = EvalStore(Paths.build().ledger_sqlite)
    rows = {(r.model, r.spec_id): (r.status, r.tries) for r in store.attempts("r1")}
    store.close()
    return rows


def test_errors_are_left_out_of_the_figures_reported_and_retried(tmp_path: Path) -> None:
    """local passes a and b, fails c; its d and e get HTTP 500. frontier passes all five."""
    suite = _suite(tmp_path)
    outcomes = {"local": {"a": True, "b": True}, "frontier": dict.fromkeys(SPECS, True)}
    model = ScriptedModel(load_suite(suite), outcomes)

    def fails(body: dict[str, Any]) -> bool:
        return body["model"] == "local" and any(f"Task {s}:" in _text(body) for s in "de")

    with serve_in_thread(model) as url, failing_proxy(url, fails) as proxy:
        flaky = _run(suite, proxy, "-m", "local", "-m", "frontier", "--tries", "1")
    assert flaky.exit_code == 1, flaky.output
    assert "10 attempts run" in flaky.output and "2 errors" in flaky.output
    stats = CliRunner().invoke(build_app(), ["eval", "stats", "r1", "--json"])
    doc = json.loads(stats.output)
    local = next(m for m in doc["models"] if m["model"] == "local")
    assert (local["attempts"], local["passed"], local["errors"]) == (3, 2, 2)
    assert abs(local["pass_rate"] - 2 / 3) < 1e-9
    gap = doc["measured_gap"]
    assert gap["n_specs"] == 3  # d and e have no real result for local: no pair
    assert gap["discordant"] == {"candidate_only": 0, "reference_only": 1}
    assert abs(gap["gap"] - 1 / 3) < 1e-9
    table = CliRunner().invoke(build_app(), ["eval", "stats", "r1"])
    assert "local: 2 attempts errored" in table.output
    with serve_in_thread(model) as url:  # the same command again retries the two errors
        again = _run(suite, url, "-m", "local", "-m", "frontier", "--tries", "1")
    assert again.exit_code == 0, again.output
    assert "2 attempts run, 8 already recorded" in again.output
    assert _attempts()[("local", "d")] == ("failed", 1)


def test_an_attempt_cut_short_by_the_upstream_is_an_error_and_retried(tmp_path: Path) -> None:
    """The feedback turn gets HTTP 500: the model never had its second try."""
    suite = _suite(tmp_path)
    model = ScriptedModel(load_suite(suite), {"local": {}})

    def fails(body: dict[str, Any]) -> bool:
        return "The tests failed" in _text(body) and "Task a:" in _text(body)

    with serve_in_thread(model) as url, failing_proxy(url, fails) as proxy:
        first = _run(suite, proxy, "-m", "local", "--tries", "3")
    assert first.exit_code == 1, first.output
    assert _attempts()[("local", "a")] == ("error", 2)
    assert _attempts()[("local", "b")] == ("failed", 3)
    with serve_in_thread(model) as url:
        again = _run(suite, url, "-m", "local", "--tries", "3")
    assert again.exit_code == 0, again.output
    assert "1 attempt run, 4 already recorded" in again.output
    assert _attempts()[("local", "a")] == ("failed", 3)
