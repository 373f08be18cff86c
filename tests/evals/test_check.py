from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fulcrum.cli import build_app
from fulcrum.errors import InputError
from fulcrum.evals.check import check_suite
from fulcrum.evals.scaffold import new_spec
from fulcrum.evals.spec import load_suite

from .conftest import EXAMPLES
from .helpers import make_spec

GOOD = "def answer():\n    return 42\n"
CHECK = "from mod import answer\n\n\ndef test_answer():\n    assert answer() == 42\n"


def test_example_suite_checks_fast() -> None:
    start = time.monotonic()
    result = CliRunner().invoke(build_app(), ["eval", "check", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    specs = len(load_suite(EXAMPLES))
    assert f"{specs}/{specs} specs ok" in result.output
    assert time.monotonic() - start < 120


def test_check_flags_broken_specs(tmp_path: Path) -> None:
    make_spec(tmp_path, "already-passes", start=GOOD, solution=GOOD, test=CHECK)
    make_spec(tmp_path, "wrong-solution", start="", solution="def answer():\n    return 1\n",
              test=CHECK)  # fmt: skip
    make_spec(tmp_path, "no-solution", start="", solution=None, test=CHECK)
    results = {r.spec: r for r in check_suite(load_suite(tmp_path))}
    assert not results["already-passes"].ok and "already pass" in results["already-passes"].detail
    assert not results["wrong-solution"].ok and results["wrong-solution"].solution_passes is False
    assert results["no-solution"].ok and results["no-solution"].solution_passes is None
    cli = CliRunner().invoke(build_app(), ["eval", "check", str(tmp_path)])
    assert cli.exit_code == 1 and "1/3 specs ok" in cli.output


def test_new_scaffolds_a_passing_spec(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_app(), ["eval", "new", "my-task", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [res] = check_suite(load_suite(tmp_path))
    assert res.ok and res.solution_passes is True
    again = CliRunner().invoke(build_app(), ["eval", "new", "my-task", "--dir", str(tmp_path)])
    assert isinstance(again.exception, InputError) and "already exists" in str(again.exception)
    with pytest.raises(InputError, match="lower-case letters"):
        new_spec(tmp_path, "Bad Name")
