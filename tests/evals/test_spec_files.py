"""A spec's files in any encoding: editable files are text shown to a model, the rest are bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.cli import main
from fulcrum.errors import ConfigError
from fulcrum.evals.sandbox import Limits
from fulcrum.evals.spec import load_spec
from fulcrum.evals.toml_out import write_spec_toml
from fulcrum.evals.workspace import read_editable, run_tests, write_files

from .helpers import make_spec

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00\x01"
LATIN = "café = 'crème'\n".encode("latin-1")
CRLF = b"def answer():\r\n    return 42\r\n"
CHECK_BYTES = (
    "from pathlib import Path\n"
    f"assert Path('logo.png').read_bytes() == {PNG!r}\n"
    f"assert Path('notes.txt').read_bytes() == {LATIN!r}\n"
    f"assert Path('mod.py').read_bytes() == {CRLF!r}, Path('mod.py').read_bytes()\n"
)


@pytest.mark.parametrize(
    ("where", "data", "says"),
    [
        ("files", LATIN, "not UTF-8: byte 0xe9 on line 1"),
        ("solution", "x = 'é'\n".encode("utf-16"), "looks like UTF-16"),
        ("files", PNG, "not UTF-8: byte 0x89 on line 1"),
    ],
    ids=["latin-1", "utf-16-solution", "binary"],
)
def test_an_editable_file_not_in_utf8_is_one_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, data: bytes, says: str
) -> None:
    root = make_spec(tmp_path, "enc", start="", solution="", test="")
    (root / where / "mod.py").write_bytes(data)
    with pytest.raises(ConfigError) as info:
        load_spec(root)
    assert info.value.file == str(root / where / "mod.py")
    assert info.value.field == "editable"
    assert says in info.value.message and "shown to the model as text" in info.value.message
    with pytest.raises(SystemExit) as done:
        main(["eval", "check", str(root)])
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.count("\n") == 1 and str(root / where / "mod.py") in err


def test_other_files_reach_the_tests_byte_for_byte(tmp_path: Path) -> None:
    root = tmp_path / "bytes"
    (root / "files").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "files" / "mod.py").write_bytes(CRLF)
    (root / "files" / "logo.png").write_bytes(PNG)
    (root / "files" / "notes.txt").write_bytes(LATIN)
    (root / "tests" / "check_bytes.py").write_text(CHECK_BYTES)
    write_spec_toml(root, {"instruction": "keep the bytes", "editable": ["mod.py"],
                           "test": "python tests/check_bytes.py"})  # fmt: skip
    spec = load_spec(root)
    assert spec.starting_files() == {"mod.py": CRLF.decode()}
    verdict = run_tests(spec, spec.starting_files(), tmp_path / "copy", Limits())
    assert verdict.passed, verdict.output


def test_an_agent_s_bytes_come_back_unchanged(tmp_path: Path) -> None:
    root = make_spec(tmp_path, "agent", start="", solution=None, test="")
    spec = load_spec(root)
    work = tmp_path / "work"
    work.mkdir()
    (work / "mod.py").write_bytes(LATIN)
    files = read_editable(spec, work)
    out = tmp_path / "out"
    out.mkdir()
    assert write_files(out, files, spec.editable) == []
    assert (out / "mod.py").read_bytes() == LATIN
