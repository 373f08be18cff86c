"""``fulcrum.textfiles.read_text``: a named file's text, or one error naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.errors import ConfigError, InputError
from fulcrum.testing.cli import run_cli
from fulcrum.textfiles import check_outputs, read_text, read_toml, write_output

ROOT = Path(__file__).resolve().parents[1]


def test_utf8_with_or_without_a_byte_order_mark(tmp_path: Path) -> None:
    plain, marked = tmp_path / "a.toml", tmp_path / "b.toml"
    plain.write_text("x = 'café'\n", encoding="utf-8")
    marked.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    assert read_text(plain) == read_text(marked) == "x = 'café'\n"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ("x = 1\nx = 'café'\n".encode("latin-1"), "not UTF-8: byte 0xe9 on line 2"),
        ("x = 1\n".encode("utf-16"), "not UTF-8: it looks like UTF-16 or UTF-32"),
    ],
)
def test_text_that_is_not_utf8_is_named(tmp_path: Path, data: bytes, says: str) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        read_text(path)
    assert str(caught.value) == f"{path}: {says}; save it as UTF-8"


def test_a_missing_file_and_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read the file \(No such file or directory\)"):
        read_text(tmp_path / "none.toml")
    with pytest.raises(ConfigError, match=r": a directory, not a file$"):
        read_text(tmp_path)


def test_write_output_names_the_flag_and_the_path(tmp_path: Path) -> None:
    write_output("--csv", tmp_path / "a.csv", "é\n")
    write_output("-o", tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "a.csv").read_bytes() == "é\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    with pytest.raises(InputError) as caught:
        write_output("--html", tmp_path, "x")
    assert str(caught.value) == f"--html: cannot write {tmp_path}: Is a directory"
    assert caught.value.param == "--html"


def test_read_toml_names_the_file_of_a_syntax_error(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_bytes(b"\xef\xbb\xbf[a]\nb = 1\n")
    bad.write_text("[a\n")
    assert read_toml(good) == {"a": {"b": 1}}
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML \(") as caught:
        read_toml(bad)
    assert caught.value.file == str(bad)


def test_an_output_that_is_an_input_or_another_output_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "rows.csv"
    data.write_text("id,prompt\n")
    check_outputs({"DATA": data, "--model": None}, {"--out": tmp_path / "new.csv", "--pdf": None})
    with pytest.raises(InputError, match=r"--out: .*rows.csv is also DATA") as info:
        check_outputs({"DATA": data}, {"--out": tmp_path / "." / "rows.csv"})
    assert info.value.param == "--out"
    with pytest.raises(InputError, match=r"--out-test: .* is also --out-train"):
        check_outputs({"DATA": data}, {"--out-train": tmp_path / "a", "--out-test": tmp_path / "a"})


@pytest.mark.parametrize(
    "argv",
    [
        ["router", "split", "{csv}", "--out-train", "{csv}", "--out-test", "{tmp}/t.csv"],
        ["router", "split", "{csv}", "--out-train", "{tmp}/s.csv", "--out-test", "{tmp}/s.csv"],
        ["router", "score", "{csv}", "--out", "{csv}"],
        ["report", "{scenario}", "--out", "{scenario}"],
        ["decide", "{scenario}", "--no-save", "--ics", "{scenario}"],
    ],
)
def test_no_command_writes_over_what_it_reads(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each wrote its output over its own input (or its first output) and exited 0."""
    csv = tmp_path / "rows.csv"
    csv.write_text("id,prompt,strong_score,weak_score\na,fix it,1,0\nb,add a test,0,0\n")
    scenario = tmp_path / "fleet.toml"
    scenario.write_text((ROOT / "examples" / "seed_003_fleet.toml").read_text())
    before = {p: p.read_bytes() for p in (csv, scenario)}
    args = [a.format(csv=csv, tmp=tmp_path, scenario=scenario) for a in argv]
    code, _, err = run_cli(args, capsys)
    assert code == 2 and "would be overwritten" in err and err.count("\n") == 1, err
    assert {p: p.read_bytes() for p in before} == before
