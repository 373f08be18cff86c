"""Helpers for the eval tests: small throwaway specs."""

from __future__ import annotations

from pathlib import Path

from fulcrum.evals.toml_out import write_spec_toml


def make_spec(
    parent: Path,
    name: str,
    *,
    start: str,
    solution: str | None,
    test: str,
    **extra: object,
) -> Path:
    """A one-file spec: ``mod.py`` edited, ``tests/test_mod.py`` hidden."""
    root = parent / name
    (root / "files").mkdir(parents=True)
    (root / "files" / "mod.py").write_text(start)
    (root / "tests").mkdir()
    (root / "tests" / "test_mod.py").write_text(test)
    if solution is not None:
        (root / "solution").mkdir()
        (root / "solution" / "mod.py").write_text(solution)
    data: dict[str, object] = {
        "instruction": f"Task {name}: make the tests pass.",
        "editable": ["mod.py"],
        "test": "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest -q -p no:cacheprovider tests",
        **extra,
    }
    write_spec_toml(root, data)  # type: ignore[arg-type]
    return root
