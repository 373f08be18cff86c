from __future__ import annotations

import subprocess
import sys

from fulcrum import __version__
from fulcrum.errors import ConfigError, NotFound, RateLimited


def test_version_via_module() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fulcrum", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"fulcrum {__version__}"


def test_config_error_names_file_and_field() -> None:
    err = ConfigError("must be >= 0 (watts)", file="a.toml", field="hardware.idle_w")
    assert err.message == "a.toml: hardware.idle_w: must be >= 0 (watts)"
    assert err.exit_code == 2
    assert err.anthropic_body()["error"]["type"] == "invalid_request_error"


def test_error_bodies_are_provider_shaped() -> None:
    nf = NotFound("model 'x' is not configured", param="model")
    assert nf.status == 404
    assert nf.openai_body()["error"]["code"] == "model_not_found"
    assert nf.anthropic_body() == {
        "type": "error",
        "error": {"type": "not_found_error", "message": "model 'x' is not configured"},
    }
    rl = RateLimited("slow down", retry_after=2.0)
    assert (rl.status, rl.retry_after) == (429, 2.0)
