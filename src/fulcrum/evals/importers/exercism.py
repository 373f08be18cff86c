"""The aider/Exercism exercise layout.

An exercise directory holds ``.docs/instructions.md`` (plus optional
``instructions.append.md``), ``.meta/config.json`` with ``files.solution`` (the files to edit),
``files.test`` (the tests) and ``files.example`` (a reference solution), and the files
themselves. The spec's test command runs the test files with pytest.
"""

from __future__ import annotations

import json
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fulcrum.errors import ConfigError
from fulcrum.evals.importers import staged
from fulcrum.evals.spec import FILES_DIR, SOLUTION_DIR, TESTS_DIR, safe_rel
from fulcrum.evals.toml_out import write_spec_toml
from fulcrum.textfiles import read_text


def _files(source: Path) -> tuple[Path, dict[str, Any]]:
    """``.meta/config.json`` and its ``files`` table."""
    if not source.is_dir():
        raise ConfigError("no such directory; expected an Exercism exercise", file=str(source))
    config = source / ".meta" / "config.json"
    try:
        meta = json.loads(read_text(config))
    except ValueError as exc:
        raise ConfigError(f"not valid JSON ({exc})", file=str(config)) from None
    files = meta.get("files") if isinstance(meta, dict) else None
    if not isinstance(files, dict):
        raise ConfigError("needs a JSON object with a 'files' table", file=str(config),
                          field="files")  # fmt: skip
    return config, files


def _list(source: Path, config: Path, files: dict[str, Any], key: str) -> list[str]:
    """``files.KEY``: paths of files inside the exercise."""
    value, field = files.get(key, []), f"files.{key}"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("must be a list of paths", file=str(config), field=field)
    rels = [safe_rel(v, str(config), field) for v in value]
    missing = [rel for rel in rels if not (source / rel).is_file()]
    if missing:
        raise ConfigError(f"{missing[0]!r} is not a file in {source}", file=str(config),
                          field=field)  # fmt: skip
    return rels


def _instructions(source: Path) -> str:
    docs = source / ".docs"
    names = ("introduction.md", "instructions.md", "instructions.append.md")
    parts = [read_text(docs / n).strip() for n in names if (docs / n).is_file()]
    if not parts:
        raise ConfigError("missing instructions", file=str(docs / "instructions.md"))
    return "\n\n".join(parts)


def _skipping(source: Path, skip: set[str]) -> Callable[[str, list[str]], list[str]]:
    """A ``copytree`` ignore that leaves out ``skip`` (paths relative to ``source``)."""

    def ignore(directory: str, names: list[str]) -> list[str]:
        rel = Path(directory).relative_to(source)
        return [n for n in names if (rel / n).as_posix() in skip]

    return ignore


PYTEST = "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest -q -p no:cacheprovider"


class ExercismImporter:
    name = "exercism"
    help = "an aider/Exercism exercise (.docs/instructions.md, .meta/config.json)"

    def import_spec(self, source: Path, dest: Path) -> Path:
        config, files = _files(source)
        keys = ("solution", "test", "example")
        solution, tests, examples = (_list(source, config, files, key) for key in keys)
        if not solution or not tests:
            raise ConfigError("needs files.solution and files.test", file=str(config))
        skip = {".docs", ".meta", *tests}  # paths from the exercise's root
        instruction, name = _instructions(source), source.resolve().name
        with staged(dest / name) as root:
            shutil.copytree(source, root / FILES_DIR, ignore=_skipping(source, skip))
            for rel in tests:
                target = root / TESTS_DIR / Path(rel).name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / rel, target)
            if examples:
                (root / SOLUTION_DIR / solution[0]).parent.mkdir(parents=True)
                shutil.copy2(source / examples[0], root / SOLUTION_DIR / solution[0])
            test_files = " ".join(shlex.quote(f"{TESTS_DIR}/{Path(t).name}") for t in tests)
            write_spec_toml(root, {
                "instruction": instruction,
                "editable": solution,
                "test": f"{PYTEST} {test_files}",
                "tags": ["exercism"],
            })  # fmt: skip
        return dest / name


IMPORTER = ExercismImporter()
