from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.cli import main
from fulcrum.errors import ConfigError
from fulcrum.evals.spec import Spec, load_spec, load_suite

from .helpers import make_spec


def test_example_suite_is_large_and_varied(example_specs: list[Spec]) -> None:
    assert len(example_specs) >= 30
    tags = {t for s in example_specs for t in s.tags}
    assert {"bugfix", "feature", "refactor", "tests", "easy", "medium", "hard"} <= tags
    assert all(s.solution_dir is not None for s in example_specs)
    assert len({s.group for s in example_specs if s.group}) >= 4


def test_load_spec_fields(tmp_path: Path) -> None:
    root = make_spec(tmp_path, "one", start="x = 1\n", solution="x = 2\n", test="",
                     tags=["easy"], group="g", timeout_s=5)  # fmt: skip
    spec = load_spec(root)
    assert (spec.id, spec.editable, spec.group, spec.timeout_s) == ("one", ("mod.py",), "g", 5.0)
    assert spec.starting_files() == {"mod.py": "x = 1\n"}
    assert spec.solution_files() == {"mod.py": "x = 2\n"}
    assert spec.cluster == "g"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"timeout_s": -1}, "timeout_s"),
        ({"editable": []}, "editable"),
        ({"editable": ["../escape.py"]}, "editable"),
        ({"colour": "blue"}, "colour"),
        ({"tags": "easy"}, "tags"),
        ({"id": "../../escaped"}, "id"),
    ],
)
def test_bad_fields_are_named(tmp_path: Path, extra: dict[str, object], field: str) -> None:
    root = make_spec(tmp_path, "bad", start="", solution=None, test="", **extra)
    with pytest.raises(ConfigError) as info:
        load_spec(root)
    assert info.value.field == field
    assert str(root / "spec.toml") in info.value.message


@pytest.mark.parametrize("seconds", [-1, 0, 1e300])
def test_a_timeout_states_its_range_whatever_is_wrong(tmp_path: Path, seconds: float) -> None:
    """-1 was told ">= 0" and then 0 was told "> 0"; 1e300 seconds was accepted."""
    root = make_spec(tmp_path, "t", start="", solution=None, test="", timeout_s=seconds)
    with pytest.raises(ConfigError, match="seconds above 0, at most 86,400") as info:
        load_spec(root)
    assert info.value.field == "timeout_s"


def test_limits_are_validated(tmp_path: Path) -> None:
    root = make_spec(tmp_path, "lim", start="", solution=None, test="")
    with (root / "spec.toml").open("a") as fh:
        fh.write("[limits]\nmemory_mb = 256\nthreads = 4\n")
    with pytest.raises(ConfigError, match="accepted: memory_mb"):
        load_spec(root)


def test_suite_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no spec directories"):
        load_suite(tmp_path)
    make_spec(tmp_path, "a", start="", solution=None, test="", id="same")
    make_spec(tmp_path, "b", start="", solution=None, test="", id="same")
    with pytest.raises(ConfigError, match="duplicate spec id"):
        load_suite(tmp_path)


def test_spec_file_not_utf8_is_one_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_spec(tmp_path, "latin", start="", solution=None, test="")
    (root / "spec.toml").write_bytes('instruction = "café"\n'.encode("latin-1"))
    with pytest.raises(SystemExit) as done:
        main(["eval", "check", str(root)])
    assert done.value.code == 2 and "not UTF-8" in capsys.readouterr().err
    with pytest.raises(ConfigError) as info:
        load_suite(root)
    assert (
        info.value.message
        == f"{root / 'spec.toml'}: not UTF-8: byte 0xe9 on line 1; save it as UTF-8"
    )
