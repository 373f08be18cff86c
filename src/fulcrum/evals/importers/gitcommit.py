"""Specs from a git history: a repository, a base commit, an instruction, a test command.

The source is a TOML file::

    id = "fix-parser-crash"
    repo = "path/or/url/of/repository"   # relative paths are from the TOML file; a URL
                                          # (https://, ssh://, file://, git@host:path) is
                                          # cloned into a temporary directory first
    base = "<commit>"                     # the starting files
    instruction = "..."
    test = "python -m pytest -q tests/test_parser.py"
    editable = ["src/parser.py"]
    solution = "<commit>"                 # optional: the fix; its editable files are the reference
    tests = ["tests/test_parser.py"]      # optional: hidden tests taken from the solution commit

Any other key is refused (with the closest accepted one); ``id`` is a plain name (the spec's
directory under the destination); ``editable`` and ``tests`` are paths inside the repository,
checked as ``spec.toml``'s ``editable`` is; ``tests`` needs ``solution`` and must be files in it.
The files of ``base`` (``git archive``) become ``files/``; the hidden test paths are removed
from them and written to ``tests/`` from the solution commit.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from fulcrum.errors import ConfigError
from fulcrum.evals.importers import staged
from fulcrum.evals.spec import FILES_DIR, SOLUTION_DIR, TESTS_DIR, plain_name, safe_rel
from fulcrum.evals.toml_out import write_spec_toml
from fulcrum.tables import Table
from fulcrum.textfiles import read_toml

KEYS = ("id", "repo", "base", "instruction", "test", "editable", "solution", "tests")
SCP_LIKE = re.compile(r"^[\w.+-]+@[\w.-]+:(?!//)")  # git@github.com:org/repo.git
GIT_TIMEOUT_S = 600


def is_url(repo: str) -> bool:
    """A repository git must fetch (``scheme://…`` or ``user@host:path``), not a local path."""
    return "://" in repo or bool(SCP_LIKE.match(repo))


@dataclass(frozen=True, slots=True)
class GitSpec:
    file: str
    id: str
    repo: str
    base: str
    instruction: str
    test: str
    editable: tuple[str, ...]
    solution: str | None
    tests: tuple[str, ...]


def read_git_spec(source: Path) -> GitSpec:
    """Read and validate the source TOML (every error names the file and the key)."""
    file = str(source)
    t = Table(read_toml(source), file)
    t.only(*KEYS)
    repo = t.text("repo", required=True)
    if not (is_url(repo) or Path(repo).is_absolute()):
        repo = str((source.parent / repo).resolve())
    if not (is_url(repo) or Path(repo).is_dir()):
        t.fail("repo", "a git repository: a directory, or a URL to clone", repo)
    solution = t.opt_text("solution")
    tests = tuple(safe_rel(r, file, "tests") for r in t.str_list("tests", nonempty=True))
    if tests and solution is None:
        t.fail("solution", "a commit when `tests` is set (the hidden tests come from it)")
    editable = t.str_list("editable", nonempty=True, required=True)
    return GitSpec(
        file=file, id=plain_name(t.text("id", source.stem, nonempty=True), file), repo=repo,
        base=t.text("base", required=True), instruction=t.text("instruction", required=True),
        test=t.text("test", required=True), editable=tuple(safe_rel(r, file) for r in editable),
        solution=solution, tests=tests,
    )  # fmt: skip


def _run_git(spec: GitSpec, argv: list[str], what: str, field: str) -> bytes:
    """Run git without a terminal prompt; a failure is one line naming ``field``."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(argv, capture_output=True, timeout=GIT_TIMEOUT_S, check=False,
                              env=env)  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(f"cannot run git ({exc})", file=spec.file, field=field) from exc
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        message = "; ".join(line.strip() for line in lines if line.strip())
        raise ConfigError(f"{what} failed: {message}", file=spec.file, field=field)
    return done.stdout


def _git(spec: GitSpec, *args: str, field: str = "repo") -> bytes:
    return _run_git(spec, ["git", "-C", spec.repo, *args], f"git {' '.join(args)}", field)


@contextmanager
def _local(spec: GitSpec) -> Iterator[GitSpec]:
    """``spec`` with a repository on disk: a URL is cloned (bare) into a temporary directory."""
    if not is_url(spec.repo):
        _git(spec, "rev-parse", "--git-dir")  # not a repository: an error naming `repo`
        yield spec
        return
    with tempfile.TemporaryDirectory(prefix="fulcrum-git-") as tmp:
        clone = str(Path(tmp) / "repo.git")
        argv = ["git", "clone", "--bare", "--quiet", "--", spec.repo, clone]
        _run_git(spec, argv, f"git clone {spec.repo}", "repo")
        yield replace(spec, repo=clone)


def _extract(spec: GitSpec, commit: str, dest: Path, field: str) -> None:
    data = _git(spec, "archive", "--format=tar", commit, field=field)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")


def _copy(tree: Path, rels: tuple[str, ...], dest: Path) -> None:
    for rel in rels:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(tree / rel, dest / rel)


def _solution(spec: GitSpec, commit: str, root: Path) -> None:
    """The editable files of ``commit`` into ``solution/``, its ``tests`` into ``tests/``."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        _extract(spec, commit, tree, "solution")
        missing = [rel for rel in spec.tests if not (tree / rel).is_file()]
        if missing:
            raise ConfigError(f"{missing[0]!r} is not a file in the solution commit {commit}",
                              file=spec.file, field="tests")  # fmt: skip
        _copy(tree, tuple(r for r in spec.editable if (tree / r).is_file()), root / SOLUTION_DIR)
        for rel in spec.tests:
            (root / FILES_DIR / rel).unlink(missing_ok=True)
        _copy(tree, spec.tests, root / TESTS_DIR)


class GitCommitImporter:
    name = "git"
    help = "a TOML file naming a repository, a base commit, an instruction and a test command"

    def import_spec(self, source: Path, dest: Path) -> Path:
        spec = read_git_spec(source)
        with staged(dest / spec.id) as work, _local(spec) as spec:
            _extract(spec, spec.base, work / FILES_DIR, "base")
            if spec.solution is not None:
                _solution(spec, spec.solution, work)
            write_spec_toml(work, {
                "instruction": spec.instruction, "editable": list(spec.editable),
                "test": spec.test, "tags": ["git"], "tests_into": ".",
            })  # fmt: skip
        return dest / spec.id


IMPORTER = GitCommitImporter()
