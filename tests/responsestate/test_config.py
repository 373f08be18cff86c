"""``[responses]`` in the gateway config: checked at start-up, off by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.errors import ConfigError
from fulcrum.gateway.config import load_config
from fulcrum.responsestate.config import KEY, KeepConfig

BASE = """
[backends.claude]
format = "anthropic"
base_url = "http://127.0.0.1:9"
kind = "api"
models = ["claude-sonnet-4-6"]
"""


def test_off_by_default_and_read_when_set(tmp_path: Path) -> None:
    assert load_config(text=BASE, env={}).extensions[KEY] == KeepConfig(store=False)
    config = load_config(text=BASE + "[responses]\nstore = true\nkeep_days = 7\n", env={})
    parsed = config.extensions[KEY]
    assert parsed == KeepConfig(store=True, keep_days=7.0) and parsed.keep_s == 7 * 86_400


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ("store = 1", "responses.store"),
        ("keep_days = 0", "responses.keep_days"),
        ('keep_days = "30"', "responses.keep_days"),
        ("stored = true", "responses.stored"),
    ],
)
def test_a_bad_table_names_its_field(table: str, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(text=BASE + f"[responses]\n{table}\n", env={})
    assert caught.value.field == field
