"""Values no store or clock can hold, and files in another encoding: a problem with file and
line for that line, row or file, and everything else imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli
from fulcrum.textfiles import is_wide
from fulcrum.usage.importing import run_import
from fulcrum.usage.records import ImportContext
from fulcrum.usage.store import UsageStore

from .exports import anthropic_result, bucket, openai_bucket, openai_page, openai_usage, page
from .logs import assistant, write_jsonl

Capsys = pytest.CaptureFixture[str]
TOO_MANY = 99999999999999999999  # more than 2^63 - 1
LIMIT = "more than 9,223,372,036,854,775,807, the most a count can be"


def ctx(tmp_path: Path) -> ImportContext:
    return ImportContext(env={}, home=tmp_path / "home")


def problems(summary: object) -> set[tuple[str, int, str]]:
    log = summary.log  # type: ignore[attr-defined]
    return {(Path(p.file).name, p.line, p.reason) for p in log.problems}


def import_json(args: list[str], capsys: Capsys) -> dict:
    code, out, err = run_cli(["usage", "import", *args, "--json"], capsys)
    assert code == 0 and "Traceback" not in err, err
    return json.loads(out)


def test_claude_code_lines_out_of_range_are_problems(tmp_path: Path, capsys: Capsys) -> None:
    big_read = assistant("m5", "r5", "2026-11-02T09:05:00Z", out=1)
    big_read["message"]["usage"]["cache_read_input_tokens"] = TOO_MANY
    log = write_jsonl(tmp_path / "s.jsonl", [
        assistant("m1", "r1", "2026-11-02T09:00:00Z", out=5),
        assistant("m2", "r2", "2026-11-02T09:01:00Z", out=TOO_MANY),
        assistant("m3", "r3", "0001-01-01T00:30:00+01:00", out=5),
        assistant("m4", "r4", "9999-12-31T23:59:59-01:00", out=5),
        big_read,
        '{"type": "assistant", "n": ' + "9" * 5000 + "}",
        assistant("m6", "r6", "2026-11-02T09:06:00Z", out=7),
    ])  # fmt: skip
    data = import_json([str(log)], capsys)
    assert (data["records"], data["added"]) == (2, 2)
    reasons = {p["line"]: p["reason"] for p in data["problems"]}
    assert reasons == {
        2: f"output_tokens: {LIMIT}",
        3: "timestamp: '0001-01-01T00:30:00+01:00' is outside the years 1 to 9999 in UTC",
        4: "timestamp: '9999-12-31T23:59:59-01:00' is outside the years 1 to 9999 in UTC",
        5: f"cache_read_input_tokens: {LIMIT}",
        6: "not valid JSON",
    }
    assert {p["file"] for p in data["problems"]} == {str(log)}
    assert sorted(r.output_tokens for r in UsageStore().records()) == [5, 7]


def test_claude_code_logs_not_in_utf8(tmp_path: Path) -> None:
    good = json.dumps(assistant("m1", "r1", "2026-11-02T09:00:00Z", out=5))
    cafe = assistant("m2", "r2", "2026-11-02T09:01:00Z", cwd="/home/caf\u00e9")
    latin = json.dumps(cafe, ensure_ascii=False)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.jsonl").write_bytes(f"{good}\n{latin}\n".encode("latin-1"))
    (tmp_path / "logs" / "b.jsonl").write_bytes(f"{good}\n".encode("utf-16"))
    summary = run_import("claude-code", [str(tmp_path / "logs")], ctx(tmp_path))
    assert summary.records == 1
    assert not is_wide(b"\x00\x00\x00\x00" + good.encode())  # NUL padding, not UTF-16
    assert problems(summary) == {
        ("a.jsonl", 2, "not UTF-8"),
        ("b.jsonl", 0, "not UTF-8: it looks like UTF-16 or UTF-32; save it as UTF-8"),
    }


CONSOLE = """usage_date_utc,model_version,usage_input_tokens_no_cache,usage_output_tokens
2026-11-02,claude-sonnet-4-5,inf,1
2026-11-02,claude-opus-4-1,1e400,1
2026-11-02,claude-haiku-4-5,1,nan
2026-11-02,claude-opus-4-5,99999999999999999999,1
2026-11-02,claude-sonnet-4-6,-Infinity,1
2026-11-02,gpt-5,"1,000",2.5e3
"""


def test_console_cells_out_of_range_name_their_column(tmp_path: Path, capsys: Capsys) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text(CONSOLE, encoding="utf-8")
    data = import_json(["--from", "anthropic-console-usage", str(csv)], capsys)
    assert data["records"] == 1
    assert {(p["file"], p["line"], p["reason"]) for p in data["problems"]} == {
        (str(csv), 2, "usage_input_tokens_no_cache: 'inf' is not a whole number"),
        (str(csv), 3, f"usage_input_tokens_no_cache: '1e400' is {LIMIT}"),
        (str(csv), 4, "usage_output_tokens: 'nan' is not a whole number"),
        (str(csv), 5, f"usage_input_tokens_no_cache: '99999999999999999999' is {LIMIT}"),
        (str(csv), 6, "usage_input_tokens_no_cache: '-Infinity' is not a whole number"),
    }
    (r,) = UsageStore().records()
    assert (r.model, r.input_tokens, r.output_tokens) == ("gpt-5", 1_000, 2_500)


def usage_page() -> dict:
    return page([bucket("2026-11-02", [anthropic_result(out=1_000)])])


def test_admin_usage_json_with_a_byte_order_mark(tmp_path: Path, capsys: Capsys) -> None:
    path = tmp_path / "usage.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(usage_page()).encode())
    lines = tmp_path / "usage.jsonl"
    lines.write_bytes(b"\xef\xbb\xbf" + json.dumps(usage_page()).encode() + b"\n")
    for file in (path, lines):
        data = import_json(["--from", "anthropic-usage", str(file)], capsys)
        assert (data["records"], data["problems"]) == (1, [])


def test_admin_usage_files_not_in_utf8_are_one_problem(tmp_path: Path) -> None:
    text = json.dumps(usage_page()).replace("wrkspc_01", "caf\u00e9")
    files = {
        "latin.json": text.encode("latin-1"),
        "bom16.json": text.encode("utf-16"),
        "le16.jsonl": (text + "\n").encode("utf-16-le"),
    }
    for name, data in files.items():
        (tmp_path / "in").mkdir(exist_ok=True)
        (tmp_path / "in" / name).write_bytes(data)
    summary = run_import("anthropic-usage", [str(tmp_path / "in")], ctx(tmp_path))
    wide = "not UTF-8: it looks like UTF-16 or UTF-32; save it as UTF-8"
    assert summary.records == 0
    assert problems(summary) == {
        ("latin.json", 0, "not UTF-8: byte 0xe9 on line 1; save it as UTF-8"),
        ("bom16.json", 0, wide),
        ("le16.jsonl", 0, wide),
    }


def test_export_counts_and_times_out_of_range(tmp_path: Path) -> None:
    doc = page([bucket("2026-11-02", [anthropic_result(w5=2**62, w1=2**62), anthropic_result(
        out=TOO_MANY), anthropic_result(out=3, key="k2")])])  # fmt: skip
    (tmp_path / "a.json").write_text(json.dumps(doc), encoding="utf-8")
    summary = run_import("anthropic-usage", [str(tmp_path / "a.json")], ctx(tmp_path))
    assert summary.records == 1
    assert problems(summary) == {
        ("a.json", 1, f"data[0].results[0]: cache writes: {LIMIT}"),
        ("a.json", 1, f"data[0].results[1]: output_tokens: {LIMIT}"),
    }
    result = openai_usage("gpt-4o", inp=1, cached=0, out=1, n=1)
    far = openai_bucket(2**62, [result])
    (tmp_path / "o.json").write_text(json.dumps(openai_page([far])), encoding="utf-8")
    summary = run_import("openai-usage", [str(tmp_path / "o.json")], ctx(tmp_path))
    assert problems(summary) == {
        ("o.json", 1, f"data[0]: start_time: {2**62} is outside the years 1970 to 9999")
    }
