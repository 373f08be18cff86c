from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from fulcrum.errors import ConfigError, InputError
from fulcrum.evals.check import check_suite
from fulcrum.evals.importers import IMPORTERS, get_importer
from fulcrum.evals.importers.gitcommit import is_url
from fulcrum.evals.spec import load_spec

SOLUTION = "def two_fer(name='you'):\n    return f'One for {name}, one for me.'\n"
STUB = "def two_fer(name='you'):\n    pass\n"
TEST = (
    "import unittest\nfrom two_fer import two_fer\n\n\n"
    "class TwoFerTest(unittest.TestCase):\n"
    "    def test_name(self):\n"
    "        self.assertEqual(two_fer('Alice'), 'One for Alice, one for me.')\n"
)


def exercism_exercise(root: Path) -> Path:
    ex = root / "two-fer"
    (ex / ".docs").mkdir(parents=True)
    (ex / ".meta").mkdir()
    (ex / ".docs" / "instructions.md").write_text("# Two-fer\n\nGive one to the named person.\n")
    (ex / ".meta" / "config.json").write_text(json.dumps({"files": {
        "solution": ["two_fer.py"], "test": ["two_fer_test.py"], "example": [".meta/example.py"],
    }}))  # fmt: skip
    (ex / ".meta" / "example.py").write_text(SOLUTION)
    (ex / "two_fer.py").write_text(STUB)
    (ex / "two_fer_test.py").write_text(TEST)
    return ex


def test_registry_lists_importers() -> None:
    assert set(IMPORTERS) >= {"exercism", "git"}
    with pytest.raises(InputError, match="accepted: exercism, git"):
        get_importer("swebench")


def test_exercism_layout(tmp_path: Path) -> None:
    root = get_importer("exercism").import_spec(exercism_exercise(tmp_path), tmp_path / "suite")
    spec = load_spec(root)
    assert spec.editable == ("two_fer.py",)
    assert "Give one to the named person." in spec.instruction
    assert not (spec.files_dir / "two_fer_test.py").exists()
    assert not (spec.files_dir / ".meta").exists()
    [result] = check_suite([spec])
    assert result.ok and result.solution_passes is True


def test_exercism_needs_config(tmp_path: Path) -> None:
    ex = exercism_exercise(tmp_path)
    (ex / ".meta" / "config.json").write_text("{}")
    with pytest.raises(ConfigError) as info:
        get_importer("exercism").import_spec(ex, tmp_path / "suite")
    assert info.value.field == "files"


def _git(repo: Path, *args: str) -> str:
    env = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    done = subprocess.run(["git", *env, "-C", str(repo), *args], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout.strip()


@pytest.fixture
def git_repo(tmp_path: Path) -> tuple[str, str]:
    """``tmp_path/repo``: a base commit with a bug and the fix with its test; (base, fix)."""
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    _git(tmp_path, "init", "-q", str(repo))
    (repo / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (repo / "tests" / "test_calc.py").write_text("def test_placeholder():\n    pass\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (repo / "tests" / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    )
    _git(repo, "commit", "-q", "-am", "fix")
    return base, _git(repo, "rev-parse", "HEAD")


def git_source(path: Path, base: str, extra: str) -> Path:
    path.write_text(
        f'repo = "repo"\nbase = "{base}"\ninstruction = "add() subtracts; make it add."\n'
        'test = "python -m pytest -q -p no:cacheprovider tests"\n' + extra
    )
    return path


def test_git_commit_spec(tmp_path: Path, git_repo: tuple[str, str]) -> None:
    base, fix = git_repo
    extra = f'solution = "{fix}"\neditable = ["calc.py"]\ntests = ["tests/test_calc.py"]\n'
    source = git_source(tmp_path / "fix-add.toml", base, extra)
    root = get_importer("git").import_spec(source, tmp_path / "suite")
    spec = load_spec(root)
    assert (spec.id, spec.editable, spec.tests_into) == ("fix-add", ("calc.py",), ".")
    assert "a - b" in (spec.files_dir / "calc.py").read_text()
    [result] = check_suite([spec])
    assert result.ok and result.solution_passes is True, result.detail
    with pytest.raises(ConfigError, match="already exists"):
        get_importer("git").import_spec(source, tmp_path / "suite")


@pytest.mark.parametrize(
    ("extra", "field", "says"),
    [
        ('id = "../../escaped-spec"\neditable = ["calc.py"]\n', "id", "a plain name"),
        ('solutoin = "FIX"\neditable = ["calc.py"]\n', "solutoin", "did you mean `solution`?"),
        ('editable = ["../../etc/passwd"]\n', "editable", "relative path inside the copy"),
        ('editable = ["calc.py"]\ntests = ["tests/test_calc.py"]\n', "solution", "a commit"),
        ('solution = "FIX"\neditable = ["calc.py"]\ntests = ["tests/nope.py"]\n', "tests",
         "'tests/nope.py' is not a file in the solution commit"),
    ],
)  # fmt: skip
def test_git_spec_is_validated_and_leaves_nothing(
    tmp_path: Path, git_repo: tuple[str, str], extra: str, field: str, says: str
) -> None:
    base, fix = git_repo
    source = git_source(tmp_path / "bad.toml", base, extra.replace("FIX", fix))
    dest = tmp_path / "suite" / "inner"
    with pytest.raises(ConfigError) as info:
        get_importer("git").import_spec(source, dest)
    assert (info.value.field, info.value.file) == (field, str(source))
    assert says in info.value.message
    assert not (tmp_path / "escaped-spec").exists()
    assert not dest.exists() or not any(dest.iterdir())


def test_failed_import_can_be_rerun(tmp_path: Path, git_repo: tuple[str, str]) -> None:
    base, fix = git_repo
    source = tmp_path / "fix-add.toml"
    extra = f'solution = "{fix}"\neditable = ["calc.py"]\ntests = ["tests/nope.py"]\n'
    with pytest.raises(ConfigError, match="not a file in the solution commit"):
        get_importer("git").import_spec(git_source(source, base, extra), tmp_path / "suite")
    git_source(source, base, extra.replace("nope", "test_calc"))
    root = get_importer("git").import_spec(source, tmp_path / "suite")
    assert (root / "tests" / "tests" / "test_calc.py").is_file()
    assert sorted(p.name for p in (tmp_path / "suite").iterdir()) == ["fix-add"]


def test_exercism_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        get_importer("exercism").import_spec(tmp_path / "nonexist", tmp_path / "suite")
    assert (
        info.value.message
        == f"{tmp_path / 'nonexist'}: no such directory; expected an Exercism exercise"
    )


@pytest.mark.parametrize(
    ("files", "field"),
    [({"test": ["missing_test.py"]}, "files.test"), ({"solution": ["../x.py"]}, "files.solution")],
)
def test_exercism_paths_are_checked(
    tmp_path: Path, files: dict[str, list[str]], field: str
) -> None:
    ex = exercism_exercise(tmp_path)
    config = ex / ".meta" / "config.json"
    meta = json.loads(config.read_text())
    config.write_text(json.dumps({"files": {**meta["files"], **files}}))
    with pytest.raises(ConfigError) as info:
        get_importer("exercism").import_spec(ex, tmp_path / "suite")
    assert info.value.field == field
    assert not (tmp_path / "suite" / "two-fer").exists()


@pytest.mark.parametrize("bare", [True, False], ids=["bare", "work-tree"])
def test_git_repo_url_is_cloned(tmp_path: Path, git_repo: tuple[str, str], bare: bool) -> None:
    base, fix = git_repo
    served = tmp_path / "served.git"
    _git(tmp_path, "clone", "-q", *(["--bare"] if bare else []), str(tmp_path / "repo"),
         str(served))  # fmt: skip
    extra = f'solution = "{fix}"\neditable = ["calc.py"]\ntests = ["tests/test_calc.py"]\n'
    source = git_source(tmp_path / "fix-add.toml", base, extra)
    source.write_text(source.read_text().replace('"repo"', f'"{served.as_uri()}"'))
    root = get_importer("git").import_spec(source, tmp_path / "suite")
    spec = load_spec(root)
    assert "a - b" in (spec.files_dir / "calc.py").read_text()
    assert "a + b" in (root / "solution" / "calc.py").read_text()
    assert (root / "tests" / "tests" / "test_calc.py").is_file()


def test_git_repo_url_that_cannot_be_cloned_names_the_field(
    tmp_path: Path, git_repo: tuple[str, str]
) -> None:
    base, _ = git_repo
    source = git_source(tmp_path / "gone.toml", base, 'editable = ["calc.py"]\n')
    missing = (tmp_path / "no-such.git").as_uri()
    source.write_text(source.read_text().replace('"repo"', f'"{missing}"'))
    with pytest.raises(ConfigError) as info:
        get_importer("git").import_spec(source, tmp_path / "suite")
    assert (info.value.file, info.value.field) == (str(source), "repo")
    assert info.value.message.count("\n") == 0 and "git clone" in info.value.message
    assert missing in info.value.message
    assert not (tmp_path / "suite" / "gone").exists()


def test_git_base_that_is_not_a_commit_names_base(
    tmp_path: Path, git_repo: tuple[str, str]
) -> None:
    source = git_source(tmp_path / "nobase.toml", "0" * 40, 'editable = ["calc.py"]\n')
    with pytest.raises(ConfigError) as info:
        get_importer("git").import_spec(source, tmp_path / "suite")
    assert info.value.field == "base"


def test_git_repo_path_that_is_not_a_directory_names_repo(tmp_path: Path) -> None:
    source = git_source(tmp_path / "norepo.toml", "HEAD", 'editable = ["calc.py"]\n')
    with pytest.raises(ConfigError) as info:
        get_importer("git").import_spec(source, tmp_path / "suite")
    assert info.value.field == "repo"
    assert "expected a git repository: a directory, or a URL to clone" in info.value.message
    (tmp_path / "repo").mkdir()
    with pytest.raises(ConfigError) as info:
        get_importer("git").import_spec(source, tmp_path / "suite")
    assert info.value.field == "repo" and "not a git repository" in info.value.message


@pytest.mark.parametrize(
    ("repo", "url"),
    [("git@github.com:org/repo.git", True), ("https://example.com/r.git", True),
     ("ssh://git@host/r.git", True), ("repos/r", False), ("/abs/r:x", False)],
)  # fmt: skip
def test_which_repos_are_urls(repo: str, url: bool) -> None:
    assert is_url(repo) is url


def test_exercism_nested_test_files_stay_hidden(tmp_path: Path) -> None:
    ex = exercism_exercise(tmp_path)
    (ex / "test").mkdir()
    (ex / "two_fer_test.py").rename(ex / "test" / "two_fer_test.py")
    config = ex / ".meta" / "config.json"
    meta = json.loads(config.read_text())
    meta["files"]["test"] = ["test/two_fer_test.py"]
    config.write_text(json.dumps(meta))
    root = get_importer("exercism").import_spec(ex, tmp_path / "suite")
    assert (root / "tests" / "two_fer_test.py").is_file()
    assert not (root / "files" / "test" / "two_fer_test.py").exists()
