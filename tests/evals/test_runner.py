"""Harmful specs are stopped and recorded as failed; the run goes on."""

from __future__ import annotations

import os
from pathlib import Path

from fulcrum.evals.agents import BuiltinAgent, CommandAgent
from fulcrum.evals.chat import Endpoint
from fulcrum.evals.runner import RunPlan, run_plan
from fulcrum.evals.sandbox import capabilities, make_workroot
from fulcrum.evals.scripted import ScriptedModel, serve_in_thread
from fulcrum.evals.spec import load_suite
from fulcrum.evals.store import EvalStore
from fulcrum.settings import Paths

from .helpers import make_spec

GOOD = "def answer():\n    return 42\n"
BAD = "def answer():\n    return 0\n"
CHECK = "from mod import answer\n\n\ndef test_answer():\n    assert answer() == 42\n"


def harmful_suite(root: Path, outside: Path) -> Path:
    suite = root / "suite"
    make_spec(suite, "good", start=BAD, solution=GOOD, test=CHECK)
    make_spec(
        suite,
        "hangs",
        start=BAD,
        solution=GOOD,
        timeout_s=2,
        test=CHECK + "\n\ndef test_hang():\n    import time\n    time.sleep(600)\n",
    )
    make_spec(suite, "forks", start=BAD, solution=GOOD, timeout_s=3,
              test=CHECK + "\n\ndef test_bomb():\n    import os, time\n    while True:\n"
              "        try:\n            os.fork()\n        except OSError:\n"
              "            time.sleep(0.05)\n")  # fmt: skip
    make_spec(suite, "eats-memory", start=BAD, solution=GOOD,
              test=CHECK + "\n\ndef test_eat():\n    x = bytearray(3 * 1024 ** 3)\n"
              "    assert x\n")  # fmt: skip
    make_spec(suite, "escapes", start=BAD, solution=GOOD,
              test=CHECK + f"\n\ndef test_escape():\n    open({str(outside / 'pwned')!r}, 'w')"
              ".write('x')\n")  # fmt: skip
    for name in ("forks", "eats-memory"):
        with (suite / name / "spec.toml").open("a") as fh:
            fh.write("[limits]\nnproc = 40\nmemory_mb = 512\n")
    return suite


def test_harmful_specs_fail_and_the_run_continues(tmp_path: Path) -> None:
    outside = make_workroot(tmp_path)
    os.chmod(outside, 0o755)
    specs = load_suite(harmful_suite(tmp_path, outside))
    scripted = ScriptedModel(specs, {"m": {s.id: True for s in specs}})
    store = EvalStore(Paths.build().ledger_sqlite)
    with serve_in_thread(scripted) as url:
        plan = RunPlan("harm", specs, [Endpoint(url, "m")], BuiltinAgent(tries=1), workers=2)
        run_plan(plan, store, suite="harm", progress=False)
    records = {r.spec_id: r for r in store.attempts("harm")}
    store.close()
    assert set(records) == {"good", "hangs", "forks", "eats-memory", "escapes"}
    assert records["good"].passed and records["good"].status == "passed"
    assert records["hangs"].status == "timeout"
    assert not records["forks"].passed
    assert not records["eats-memory"].passed and "MemoryError" in records["eats-memory"].output_tail
    if capabilities()["unprivileged_user"]:
        assert not records["escapes"].passed
        assert not (outside / "pwned").exists()


def test_command_agent_edits_the_copy_with_the_endpoint_pinned(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    make_spec(suite, "one", start=BAD, solution=GOOD, test=CHECK)
    make_spec(suite, "two", start=BAD, solution=GOOD,
              test=CHECK.replace("== 42", "== 43"))  # fmt: skip
    specs = load_suite(suite)
    template = (
        'test "$FULCRUM_MODEL" = {model} && test "$OPENAI_BASE_URL" = {base_url} && '
        "grep -q 'make the tests pass' {instruction_file} && "
        "printf 'def answer():\\n    return 42\\n' > mod.py"
    )
    agent = CommandAgent(template, timeout_s=30)
    store = EvalStore(Paths.build().ledger_sqlite)
    plan = RunPlan("cmd", specs, [Endpoint("http://127.0.0.1:9/v1", "my-model")], agent)
    run_plan(plan, store, suite="s", progress=False)
    records = {r.spec_id: r for r in store.attempts("cmd")}
    store.close()
    assert records["one"].passed
    assert not records["two"].passed and records["two"].status == "failed"


def test_errors_are_recorded_and_retried_on_resume(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    make_spec(suite, "one", start=BAD, solution=GOOD, test=CHECK)
    make_spec(suite, "two", start=BAD, solution=GOOD, test=CHECK)
    specs = load_suite(suite)
    scripted = ScriptedModel(specs, {"known": {"one": True, "two": True}})
    store = EvalStore(Paths.build().ledger_sqlite)
    with serve_in_thread(scripted) as url:
        plan = RunPlan("err", specs, [Endpoint(url, "unknown")], BuiltinAgent(tries=1))
        first = run_plan(plan, store, suite="s", progress=False)
        errors = store.attempts("err")
        again = run_plan(plan, store, suite="s", progress=False)
    store.close()
    assert first.ran == 2 and again.ran == 2 and again.skipped == 0
    assert all(r.status == "error" and not r.passed for r in errors)
    assert all("404" in (r.error or "") and "not scripted" in (r.error or "") for r in errors)
