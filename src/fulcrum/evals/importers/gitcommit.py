"""Specs from a git history: a repository, a base commit, an instruction, a test command.

The source is a TOML file::

    id = "fix-parser-crash"
    repo = "path/or/url/of/repository"   # relative paths are from the TOML file
    base = "<commit>"                     # the starting files
    instruction = "..."
    test = "python -m pytest -q tests/test_parser.py"
    editable = ["src/parser.py"]
    solution = "<commit>"                 # optional: the fix; its editable files are the reference
    tests = ["tests/test_parser.py"]      # optional: hidden tests taken from the solution commit

The files of ``base`` (``git archive``) become ``files/``; the hidden test paths are removed
from them and written to ``tests/`` from the solution commit.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tomllib
from pathlib import Path

from fulcrum.errors import ConfigError
from fulcrum.evals.spec import FILES_DIR, SOLUTION_DIR, TESTS_DIR
from fulcrum.evals.toml_out import write_spec_toml


def _git(repo: str, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", repo, *args], capture_output=True, timeout=300,
                              check=False)  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(f"cannot run git ({exc})", field="repo") from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise ConfigError(f"git {' '.join(args)} failed: {message}", field="repo")
    return done.stdout


def _extract(repo: str, commit: str, dest: Path) -> None:
    data = _git(repo, "archive", "--format=tar", commit)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")


class GitCommitImporter:
    name = "git"
    help = "a TOML file naming a repository, a base commit, an instruction and a test command"

    def import_spec(self, source: Path, dest: Path) -> Path:
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read TOML ({exc})", file=str(source)) from exc
        for key in ("repo", "base", "instruction", "test"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise ConfigError("must be a non-empty string", file=str(source), field=key)
        editable, tests = data.get("editable", []), data.get("tests", [])
        for key, value in (("editable", editable), ("tests", tests)):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError("must be a list of paths", file=str(source), field=key)
        if not editable:
            raise ConfigError("must list at least one file", file=str(source), field="editable")
        repo = data["repo"]
        if not ("://" in repo or Path(repo).is_absolute()):
            repo = str((source.parent / repo).resolve())
        root = dest / str(data.get("id") or source.stem)
        if root.exists():
            raise ConfigError("already exists", file=str(root))
        _extract(repo, data["base"], root / FILES_DIR)
        solution = data.get("solution")
        if isinstance(solution, str) and solution:
            scratch = root / ".solution-tree"
            _extract(repo, solution, scratch)
            for rel in editable:
                if (scratch / rel).is_file():
                    (root / SOLUTION_DIR / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(scratch / rel, root / SOLUTION_DIR / rel)
            for rel in tests:
                (root / FILES_DIR / rel).unlink(missing_ok=True)
                (root / TESTS_DIR / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(scratch / rel, root / TESTS_DIR / rel)
            shutil.rmtree(scratch)
        test = data["test"]
        write_spec_toml(root, {"instruction": data["instruction"], "editable": editable,
                               "test": test, "tags": ["git"], "tests_into": "."})  # fmt: skip
        return root


IMPORTER = GitCommitImporter()
