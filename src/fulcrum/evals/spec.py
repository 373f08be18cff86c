"""The spec format: one directory per task, loaded into a :class:`Spec`.

A spec directory holds::

    spec.toml      instruction, editable files, setup/test commands, timeouts, tags, group
    files/         the starting files the agent sees (its working copy)
    tests/         the hidden tests, copied in only when the tests run
    solution/      optional reference solution: files laid over ``files/``

``spec.toml`` fields (all but ``instruction``, ``editable`` and ``test`` are optional)::

    id = "fix-slugify"            # a plain name; default: the directory name
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

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from fulcrum.errors import ConfigError
from fulcrum.tables import Table
from fulcrum.textfiles import read_text, read_toml

SPEC_FILE = "spec.toml"
FILES_DIR = "files"
TESTS_DIR = "tests"
SOLUTION_DIR = "solution"
MAX_SECONDS = 86_400  # a spec's command runs at most a day
LIMIT_KEYS = ("memory_mb", "cpu_s", "nproc", "fsize_mb")
KNOWN_KEYS = (
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
)


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
    """An editable file's text, line endings as they are (missing: empty). A model is shown
    it, so it must be UTF-8; the other files of a spec are copied as bytes, binary or not."""
    if not path.is_file():
        return ""
    try:
        return read_text(path)
    except ConfigError as exc:
        raise ConfigError(f"{exc.detail} (an editable file is shown to the model as text; "
                          "other files may be in any encoding)", file=str(path),
                          field="editable") from None  # fmt: skip


def _limits(t: Table) -> dict[str, int]:
    limits = t.table("limits")
    limits.only(*LIMIT_KEYS)
    return {key: limits.integer(key, low=1) for key in limits.data}


def safe_rel(rel: str, file: str, key: str = "editable") -> str:
    """``rel`` normalized, refused when absolute or climbing out with ``..``."""
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts:
        raise ConfigError(f"{rel!r} must be a relative path inside the copy", file=file, field=key)
    return str(path)


def plain_name(name: str, file: str, key: str = "id") -> str:
    """A spec id is a directory name: no path separator, not ``.`` or ``..``."""
    if not name.strip() or name in {".", ".."} or any(c in name for c in "/\\\0"):
        raise ConfigError(f"expected a plain name (no '/', not '.' or '..'), got {name!r}",
                          file=file, field=key)  # fmt: skip
    return name


def load_spec(root: Path) -> Spec:
    """Read and validate one spec directory."""
    path = root / SPEC_FILE
    file = str(path)
    if not path.is_file():
        raise ConfigError("spec file not found", file=file)
    data = read_toml(path)
    t = Table(data, file)
    t.only(*KNOWN_KEYS)
    group = t.text("group", nonempty=True) if "group" in data else None
    if not (root / FILES_DIR).is_dir():
        raise ConfigError("missing the starting files directory", file=str(root), field=FILES_DIR)
    return _readable(
        Spec(
            id=plain_name(t.text("id"), file) if t.has("id") else root.name,
            root=root,
            instruction=t.text("instruction", required=True).strip(),
            editable=tuple(
                safe_rel(r, file) for r in t.str_list("editable", nonempty=True, required=True)
            ),
            test=t.text("test", required=True),
            setup=t.text("setup", ""),
            timeout_s=_seconds(t, "timeout_s"),
            setup_timeout_s=_seconds(t, "setup_timeout_s"),
            tags=t.str_list("tags", nonempty=True),
            group=group,
            limits=_limits(t),
            tests_into=safe_rel(t.text("tests_into", TESTS_DIR, nonempty=True), file, "tests_into"),
        )
    )


def _readable(spec: Spec) -> Spec:
    """``spec``, once its editable files (start and solution) are known to be text."""
    if spec.solution_dir is not None:
        spec.solution_files()
    else:
        spec.starting_files()
    return spec


def _seconds(t: Table, key: str) -> float:
    """A timeout: one statement of what is accepted, whatever is wrong (type or range)."""
    raw = t.data.get(key, 60.0)
    ok = isinstance(raw, int | float) and not isinstance(raw, bool) and 0 < raw <= MAX_SECONDS
    if not ok:
        t.fail(key, f"a number of seconds above 0, at most {MAX_SECONDS:,}", raw)
    return float(raw)


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
