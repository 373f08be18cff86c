"""The spec format: one directory per task, loaded into a :class:`Spec`.

A spec directory holds::

    spec.toml      instruction, editable files, setup/test commands, timeouts, tags, group
    files/         the starting files the agent sees (its working copy)
    tests/         the hidden tests, copied in only when the tests run
    solution/      optional reference solution: files laid over ``files/``

``spec.toml`` fields (all but ``instruction``, ``editable`` and ``test`` are optional)::

    id = "fix-slugify"            # default: the directory name
    instruction = "..."           # what the agent is asked to do
    editable = ["slug.py"]        # paths (relative to files/) the agent may change
    setup = ""                    # command run once in the copy before the agent starts
    test = "python -m pytest -q tests"
    timeout_s = 60                # wall clock for the test command
    setup_timeout_s = 60
    tags = ["bugfix", "easy"]
    group = "strings"             # specs sharing a group are clustered in the bootstrap
    tests_into = "tests"          # where tests/ lands in the copy ("." = the copy's root)
    [limits]                      # per-spec overrides of the sandbox limits
    memory_mb = 1024
    cpu_s = 60
    nproc = 128
    fsize_mb = 64

A suite is a directory whose sub-directories holding a ``spec.toml`` are specs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from fulcrum.errors import ConfigError

SPEC_FILE = "spec.toml"
FILES_DIR = "files"
TESTS_DIR = "tests"
SOLUTION_DIR = "solution"
LIMIT_KEYS = ("memory_mb", "cpu_s", "nproc", "fsize_mb")
KNOWN_KEYS = {
    "id",
    "instruction",
    "editable",
    "setup",
    "test",
    "timeout_s",
    "setup_timeout_s",
    "tags",
    "group",
    "limits",
    "tests_into",
}


@dataclass(frozen=True, slots=True)
class Spec:
    id: str
    root: Path
    instruction: str
    editable: tuple[str, ...]
    test: str
    setup: str = ""
    timeout_s: float = 60.0
    setup_timeout_s: float = 60.0
    tags: tuple[str, ...] = ()
    group: str | None = None
    limits: dict[str, int] = field(default_factory=dict)
    tests_into: str = TESTS_DIR

    @property
    def files_dir(self) -> Path:
        return self.root / FILES_DIR

    @property
    def tests_dir(self) -> Path:
        return self.root / TESTS_DIR

    @property
    def solution_dir(self) -> Path | None:
        path = self.root / SOLUTION_DIR
        return path if path.is_dir() else None

    @property
    def cluster(self) -> str:
        """The bootstrap cluster: the group when set, else the spec itself."""
        return self.group or self.id

    def starting_files(self) -> dict[str, str]:
        """The editable files as the agent first sees them (missing files are empty)."""
        return {rel: _read(self.files_dir / rel) for rel in self.editable}

    def solution_files(self) -> dict[str, str]:
        """The editable files of the reference solution (unchanged files from ``files/``)."""
        sol = self.solution_dir
        if sol is None:
            raise ConfigError("no reference solution", file=str(self.root), field=SOLUTION_DIR)
        out = self.starting_files()
        for rel in self.editable:
            if (sol / rel).is_file():
                out[rel] = _read(sol / rel)
        return out


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _str(data: dict[str, Any], key: str, file: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise ConfigError("must be a non-empty string", file=file, field=key)
    return value


def _str_list(data: dict[str, Any], key: str, file: str, *, required: bool) -> tuple[str, ...]:
    value = data.get(key, [] if not required else None)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError("must be a list of non-empty strings", file=file, field=key)
    if required and not value:
        raise ConfigError("must list at least one file", file=file, field=key)
    return tuple(value)


def _positive(data: dict[str, Any], key: str, file: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError("must be a number > 0 (seconds)", file=file, field=key)
    return float(value)


def _limits(data: dict[str, Any], file: str) -> dict[str, int]:
    raw = data.get("limits", {})
    if not isinstance(raw, dict):
        raise ConfigError("must be a table", file=file, field="limits")
    out: dict[str, int] = {}
    for key, value in raw.items():
        if key not in LIMIT_KEYS:
            raise ConfigError(
                f"unknown limit; accepted: {', '.join(LIMIT_KEYS)}",
                file=file,
                field=f"limits.{key}",
            )
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError("must be an integer > 0", file=file, field=f"limits.{key}")
        out[key] = value
    return out


def _safe_rel(rel: str, file: str, key: str = "editable") -> str:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts:
        raise ConfigError(f"{rel!r} must be a relative path inside the copy", file=file, field=key)
    return str(path)


def load_spec(root: Path) -> Spec:
    """Read and validate one spec directory."""
    path = root / SPEC_FILE
    file = str(path)
    if not path.is_file():
        raise ConfigError("spec file not found", file=file)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML ({exc})", file=file) from exc
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"unknown key; accepted: {', '.join(sorted(KNOWN_KEYS))}", file=file, field=unknown[0]
        )
    group = data.get("group")
    if group is not None and (not isinstance(group, str) or not group):
        raise ConfigError("must be a non-empty string", file=file, field="group")
    if not (root / FILES_DIR).is_dir():
        raise ConfigError("missing the starting files directory", file=str(root), field=FILES_DIR)
    return Spec(
        id=_str(data, "id", file, root.name) or root.name,
        root=root,
        instruction=_str(data, "instruction", file).strip(),
        editable=tuple(
            _safe_rel(r, file) for r in _str_list(data, "editable", file, required=True)
        ),
        test=_str(data, "test", file),
        setup=_str(data, "setup", file, ""),
        timeout_s=_positive(data, "timeout_s", file, 60.0),
        setup_timeout_s=_positive(data, "setup_timeout_s", file, 60.0),
        tags=_str_list(data, "tags", file, required=False),
        group=group,
        limits=_limits(data, file),
        tests_into=_safe_rel(_str(data, "tests_into", file, TESTS_DIR), file, "tests_into"),
    )


def load_suite(root: Path) -> list[Spec]:
    """Every spec under ``root`` (or ``root`` itself when it is one spec), sorted by id."""
    if not root.is_dir():
        raise ConfigError("not a directory", file=str(root))
    if (root / SPEC_FILE).is_file():
        return [load_spec(root)]
    specs = [load_spec(p.parent) for p in sorted(root.glob(f"*/{SPEC_FILE}"))]
    if not specs:
        raise ConfigError(f"no spec directories (with {SPEC_FILE}) found", file=str(root))
    seen: dict[str, Path] = {}
    for spec in specs:
        if spec.id in seen:
            raise ConfigError(
                f"duplicate spec id (also in {seen[spec.id]})", file=str(spec.root), field="id"
            )
        seen[spec.id] = spec.root
    return sorted(specs, key=lambda s: s.id)
