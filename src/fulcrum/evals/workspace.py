"""Fresh copies of a spec: the agent's working copy and the copy its hidden tests run in.

The agent only ever sees ``files/``. Its result is the content of the editable files; the tests
run in a second fresh copy made of ``files/`` + those editable files + the hidden ``tests/``, so
nothing else the agent wrote (and nothing it did to the tests) reaches the verdict.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fulcrum.evals.sandbox import Limits, SandboxResult, hand_over, run_sandboxed
from fulcrum.evals.spec import Spec

MAX_FILE_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    timed_out: bool
    duration_s: float
    output: str
    stage: str  # "setup" | "test"


def fresh_copy(spec: Spec, dest: Path) -> Path:
    """Copy the starting files to ``dest`` (which must not exist) and hand it to the sandbox."""
    shutil.copytree(spec.files_dir, dest, symlinks=True)
    hand_over(dest)
    return dest


def read_editable(spec: Spec, copy: Path) -> dict[str, str]:
    """The agent's result: each editable file as it is in its copy (missing: empty); bytes
    that are not UTF-8 are kept (as surrogates) so that :func:`write_files` writes them back."""
    out: dict[str, str] = {}
    for rel in spec.editable:
        path = copy / rel
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_FILE_BYTES:
            out[rel] = path.read_bytes().decode("utf-8", errors="surrogateescape")
        else:
            out[rel] = ""
    return out


def write_files(copy: Path, files: dict[str, str], allowed: tuple[str, ...]) -> list[str]:
    """Write the allowed files into ``copy``; return the paths that were refused."""
    refused = []
    for rel, text in files.items():
        norm = str(PurePosixPath(rel))
        if norm not in allowed:
            refused.append(rel)
            continue
        path = copy / norm
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return refused


def run_tests(spec: Spec, files: dict[str, str], dest: Path, limits: Limits) -> Verdict:
    """Build the test copy at ``dest`` with ``files`` laid over the start, run setup and tests."""
    shutil.copytree(spec.files_dir, dest, symlinks=True)
    write_files(dest, files, spec.editable)
    if spec.tests_dir.is_dir():
        shutil.copytree(spec.tests_dir, dest / spec.tests_into, dirs_exist_ok=True)
    hand_over(dest)
    lim = limits.merged(spec.limits)
    if spec.setup.strip():
        done = run_sandboxed(spec.setup, dest, timeout_s=spec.setup_timeout_s, limits=lim)
        if not done.ok:
            return _outcome(done, "setup")
    return _outcome(run_sandboxed(spec.test, dest, timeout_s=spec.timeout_s, limits=lim), "test")


def _outcome(done: SandboxResult, stage: str) -> Verdict:
    return Verdict(done.ok, done.timed_out, done.duration_s, done.output, stage)


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
