from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fulcrum.cli import build_app


def _index(repo: Path) -> dict[str, object]:
    result = CliRunner().invoke(
        build_app(), ["index", str(repo), "--embedder", "none", "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    body: dict[str, object] = json.loads(result.stdout)
    return body


def test_index_builds_beside_the_ledger_then_refreshes_only_changes(repo: Path) -> None:
    first = _index(repo)
    assert first["indexed"] == first["files"] == 6 and first["embedder"] is None
    assert str(first["index"]).startswith(os.environ["FULCRUM_DATA_DIR"] + "/context/")
    (repo / "pkg" / "cli.py").write_text("def main():\n    return 0\n")
    second = _index(repo)
    assert second["indexed"] == 1 and second["files"] == 6


def test_mcp_help_prints_the_claude_mcp_add_line() -> None:
    result = CliRunner().invoke(build_app(), ["mcp", "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "claude mcp add fulcrum -- fulcrum mcp --root" in " ".join(result.output.split())


def test_bad_transport_and_missing_path_are_input_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(build_app(), ["mcp", "--transport", "sse"])
    assert result.exit_code != 0 and "--transport" in str(result.exception)
    result = runner.invoke(build_app(), ["index", str(tmp_path / "nope")])
    assert result.exit_code != 0 and "is not a directory" in str(result.exception)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--transport", "http", "--host", "0.0.0.0"], "--host: '0.0.0.0' would expose"),
        (["--transport", "http", "--host", "192.168.1.5"], "the MCP server has no client keys"),
        (["--docs", "{tmp}/no-docs"], "--docs: {tmp}/no-docs is not a directory"),
        (["--python", "{tmp}/no/python"], "--python: {tmp}/no/python is not an executable"),
    ],
)
def test_mcp_refuses_an_exposed_address_and_sources_that_are_not_there(
    tmp_path: Path, args: list[str], words: str
) -> None:
    argv = ["mcp", "--root", str(tmp_path), *(a.format(tmp=tmp_path) for a in args)]
    result = CliRunner().invoke(build_app(), argv)
    assert result.exit_code != 0 and words.format(tmp=tmp_path) in str(result.exception)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["index", "{tmp}", "--embedder", "openai:nothttp"],
            "--embedder: 'openai:nothttp' is not accepted; give openai:http://HOST:PORT/v1#MODEL",
        ),
        (["index", "{tmp}", "--embedder", "bert"], "--embedder: unknown embedder 'bert'"),
        (["mcp", "--root", "{tmp}", "--search", "bing"], "--search: unknown search provider"),
        (["mcp", "--root", "{tmp}", "--search", "searxng:localhost"], "--search: searxng needs"),
    ],
)
def test_a_bad_embedder_or_search_spec_is_one_line_naming_the_flag(
    tmp_path: Path, args: list[str], line: str
) -> None:
    argv = [sys.executable, "-m", "fulcrum", *(a.format(tmp=tmp_path) for a in args)]
    env = os.environ | {"FULCRUM_DATA_DIR": str(tmp_path / "d")}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and done.stderr.startswith("fulcrum: error: " + line), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
