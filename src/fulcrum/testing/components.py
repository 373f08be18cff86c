"""Where the real test components live: pinned versions and the cache they are installed in.

The install scripts (``scripts/build_llama_server.sh``, ``scripts/install_claude_code.sh``,
``scripts/install_codex.sh``, ``scripts/install_opencode.sh``) and the benchmark use the same
pins and cache layout; a test keeps the scripts and this module in step.
"""

from __future__ import annotations

import os
from pathlib import Path

LLAMA_CPP_PYTHON_VERSION = "0.3.36"
CLAUDE_CODE_VERSION = "2.1.330"
CODEX_VERSION = "0.171.0"
OPENCODE_VERSION = "1.18.33"
LITELLM_VERSION = "1.99.4"
CCR_VERSION = "1.0.73"

SETUP_HINT = "run scripts/setup_test_deps.sh"


class ComponentMissing(RuntimeError):
    """A real component a test or bench needs is not installed; the message says how to fix it."""


def cache_root() -> Path:
    """``$FULCRUM_CACHE_DIR``, else ``${XDG_CACHE_HOME:-~/.cache}/fulcrum``."""
    explicit = os.environ.get("FULCRUM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "fulcrum"


def llama_server_path() -> Path:
    """The llama-server binary: ``$FULCRUM_LLAMA_SERVER`` or the versioned cache path."""
    explicit = os.environ.get("FULCRUM_LLAMA_SERVER")
    if explicit:
        return Path(explicit)
    return cache_root() / f"llama-server-{LLAMA_CPP_PYTHON_VERSION}" / "bin" / "llama-server"


def claude_code_dir() -> Path:
    """The npm prefix the Claude Code CLI is installed under."""
    return cache_root() / f"claude-code-{CLAUDE_CODE_VERSION}"


def codex_dir() -> Path:
    """The npm prefix OpenAI's Codex CLI is installed under."""
    return cache_root() / f"codex-{CODEX_VERSION}"


def opencode_dir() -> Path:
    """The npm prefix the OpenCode CLI is installed under."""
    return cache_root() / f"opencode-{OPENCODE_VERSION}"


def require_file(path: Path, what: str) -> Path:
    """Return ``path`` if it exists, else raise :class:`ComponentMissing` with the setup hint."""
    if not path.is_file():
        raise ComponentMissing(f"{what} not found at {path}; {SETUP_HINT}")
    return path
