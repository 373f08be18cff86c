"""``fulcrum eval run --context``: the built-in agent's first prompt carries the context tools'
retrieved code and the installed packages' APIs, and only with the flag."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fulcrum.cli import build_app
from fulcrum.fakes import FakeOpenAI

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"
SPEC = "fix-async-result-order"


def _first_prompt(fake: FakeOpenAI) -> str:
    (first, *_) = [r.body for r in fake.requests if r.body]
    return str(first["messages"][1]["content"])


@pytest.mark.parametrize("context", [True, False])
def test_context_reaches_the_first_prompt_only_with_the_flag(tmp_path: Path, context: bool) -> None:
    suite = tmp_path / "suite"
    shutil.copytree(EXAMPLES / SPEC, suite / SPEC)
    args = ["eval", "run", str(suite), "-m", "local-model", "--no-progress", "--tries", "1"]
    with FakeOpenAI() as fake:
        args += ["--base-url", f"{fake.url}/v1"] + (["--context"] if context else [])
        result = CliRunner().invoke(build_app(), args)
        prompt = _first_prompt(fake)
    assert result.exit_code == 0, result.output
    assert ("## Context" in prompt) is context
    if context:  # the installed asyncio's own API, as the starting file imports it
        section = prompt.split("## Context", 1)[1]
        assert "APIs the files use" in section and "asyncio" in section
