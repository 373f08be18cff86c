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
from pathlib import Path
from typing import Any

from fulcrum.errors import ConfigError
from fulcrum.evals.spec import FILES_DIR, SOLUTION_DIR, TESTS_DIR
from fulcrum.evals.toml_out import write_spec_toml


def _list(files: dict[str, Any], key: str, config: Path) -> list[str]:
    value = files.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("must be a list of paths", file=str(config), field=f"files.{key}")
    return value


def _instructions(source: Path) -> str:
    docs = source / ".docs"
    parts = [
        (docs / name).read_text(encoding="utf-8").strip()
        for name in ("introduction.md", "instructions.md", "instructions.append.md")
        if (docs / name).is_file()
    ]
    if not parts:
        raise ConfigError("missing instructions", file=str(docs / "instructions.md"))
    return "\n\n".join(parts)


PYTEST = "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest -q -p no:cacheprovider"


class ExercismImporter:
    name = "exercism"
    help = "an aider/Exercism exercise (.docs/instructions.md, .meta/config.json)"

    def import_spec(self, source: Path, dest: Path) -> Path:
        config = source / ".meta" / "config.json"
        try:
            meta = json.loads(config.read_text(encoding="utf-8"))
            files = meta["files"]
            if not isinstance(files, dict):
                raise TypeError
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError("needs a JSON object with a 'files' table", file=str(config),
                              field="files") from exc  # fmt: skip
        solution, tests = _list(files, "solution", config), _list(files, "test", config)
        examples = _list(files, "example", config)
        if not solution or not tests:
            raise ConfigError("needs files.solution and files.test", file=str(config))
        root = dest / source.name
        if root.exists():
            raise ConfigError("already exists; remove it or pick another destination",
                              file=str(root))  # fmt: skip
        skip = {".docs", ".meta", *tests}
        shutil.copytree(source, root / FILES_DIR, ignore=lambda d, names: [
            n for n in names if Path(d) == source and n in skip])  # fmt: skip
        for rel in tests:
            target = root / TESTS_DIR / Path(rel).name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / rel, target)
        if examples:
            (root / SOLUTION_DIR).mkdir()
            shutil.copy2(source / examples[0], root / SOLUTION_DIR / solution[0])
        test_files = " ".join(shlex.quote(f"{TESTS_DIR}/{Path(t).name}") for t in tests)
        write_spec_toml(root, {
            "instruction": _instructions(source),
            "editable": solution,
            "test": f"{PYTEST} {test_files}",
            "tags": ["exercism"],
        })  # fmt: skip
        return root


IMPORTER = ExercismImporter()
