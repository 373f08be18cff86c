"""Pins and cache paths agree with the install scripts; missing components fail on CI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fulcrum.testing import components, pytest_plugin
from fulcrum.testing.claude_code import claude_command, claude_env
from fulcrum.testing.components import ComponentMissing
from fulcrum.testing.llama import llama_server_binary

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _default(script: str, variable: str) -> str:
    text = (SCRIPTS / script).read_text()
    match = re.search(rf"\$\{{{variable}:-([^}}]+)\}}", text)
    assert match, f"{script} has no default for {variable}"
    return match.group(1)


def test_script_pins_match_the_python_pins() -> None:
    assert _default("build_llama_server.sh", "LLAMA_CPP_PYTHON_VERSION") == (
        components.LLAMA_CPP_PYTHON_VERSION
    )
    assert _default("install_claude_code.sh", "CLAUDE_CODE_VERSION") == (
        components.CLAUDE_CODE_VERSION
    )
    assert _default("install_codex.sh", "CODEX_VERSION") == components.CODEX_VERSION
    assert _default("install_opencode.sh", "OPENCODE_VERSION") == components.OPENCODE_VERSION


def test_cache_root_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FULCRUM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert components.cache_root() == tmp_path / "xdg" / "fulcrum"
    monkeypatch.setenv("FULCRUM_CACHE_DIR", str(tmp_path / "explicit"))
    assert components.cache_root() == tmp_path / "explicit"
    version = components.LLAMA_CPP_PYTHON_VERSION
    assert components.llama_server_path() == (
        tmp_path / "explicit" / f"llama-server-{version}" / "bin" / "llama-server"
    )
    monkeypatch.setenv("FULCRUM_LLAMA_SERVER", "/opt/llama/bin/llama-server")
    assert components.llama_server_path() == Path("/opt/llama/bin/llama-server")


def test_missing_components_name_the_setup_script(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FULCRUM_CACHE_DIR", str(tmp_path / "empty"))
    monkeypatch.delenv("FULCRUM_LLAMA_SERVER", raising=False)
    with pytest.raises(ComponentMissing, match=r"llama-server not found .*setup_test_deps\.sh"):
        llama_server_binary()
    with pytest.raises(ComponentMissing, match=r"Claude Code CLI not found .*setup_test_deps"):
        claude_command()


class _Item:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == self.marker else None


@pytest.mark.parametrize("marker", ["llama", "claude_code"])
def test_missing_component_fails_on_ci_and_skips_locally(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, marker: str
) -> None:
    monkeypatch.setenv("FULCRUM_CACHE_DIR", str(tmp_path / "empty"))
    monkeypatch.delenv("FULCRUM_LLAMA_SERVER", raising=False)
    item: pytest.Item = _Item(marker)  # type: ignore[assignment]
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="setup_test_deps"):
        pytest_plugin.pytest_runtest_setup(item)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="setup_test_deps"):
        pytest_plugin.pytest_runtest_setup(item)
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        pytest_plugin.pytest_runtest_setup(item)
    pytest_plugin.pytest_runtest_setup(_Item("slow"))  # type: ignore[arg-type]


def test_claude_env_isolates_the_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "real-token")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    env = claude_env("http://127.0.0.1:1234", tmp_path / "home", extra={"FOO": "1"})
    assert env["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:1234"
    assert env["HOME"] == str(tmp_path / "home")
    assert (tmp_path / "home").is_dir()
    assert env["DISABLE_TELEMETRY"] == "1"
    assert env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "1"
    assert env["ANTHROPIC_API_KEY"]
    assert env["FOO"] == "1"
    assert "ANTHROPIC_AUTH_TOKEN" not in env
    assert "HTTPS_PROXY" not in env
