"""Write ``spec.toml`` files (strings, numbers, lists of strings; no third-party writer)."""

from __future__ import annotations

import json
from pathlib import Path

from fulcrum.evals.spec import SPEC_FILE

Value = str | int | float | list[str]


def _value(value: Value) -> str:
    if isinstance(value, str):
        if "\n" in value and "'''" not in value:
            return "'''\n" + value.strip("\n") + "\n'''"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    return repr(value)


def write_spec_toml(root: Path, data: dict[str, Value]) -> Path:
    """Write ``root/spec.toml`` with the keys in the given order."""
    root.mkdir(parents=True, exist_ok=True)
    lines = [f"{key} = {_value(value)}" for key, value in data.items()]
    path = root / SPEC_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
