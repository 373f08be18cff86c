from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fulcrum.errors import InputError
from fulcrum.ledger import LedgerRow, LedgerWriter, Pricer, open_store
from fulcrum.usage.importers import IMPORTERS, get
from fulcrum.usage.importing import run_import
from fulcrum.usage.records import ImportContext
from fulcrum.usage.store import UsageStore

from .logs import assistant, sample_projects, write_jsonl


def ctx(tmp_path: Path, **env: str) -> ImportContext:
    return ImportContext(env=env, home=tmp_path / "home")


def test_registry_names_every_importer() -> None:
    assert {"claude-code", "ledger"} <= set(IMPORTERS)
    with pytest.raises(InputError, match="not an importer"):
        get("csv")


def test_claude_logs_keep_last_streamed_line_and_report_problems(tmp_path: Path) -> None:
    projects = sample_projects(tmp_path)
    summary = run_import("claude-code", [str(projects)], ctx(tmp_path))
    log = summary.log
    assert log.files == 3
    assert summary.records == 6 and summary.added == 6
    assert log.duplicates == 3 and log.synthetic == 1
    problems = {(Path(p.file).name, p.line, p.reason) for p in log.problems}
    assert problems == {
        ("sess-1.jsonl", 6, "not valid JSON"),
        ("sess-1.jsonl", 7, "message.model missing"),
        ("sess-2.jsonl", 3, "file ends mid-line"),
    }
    store = UsageStore()
    records = {r.key: r for r in store.records()}
    m1 = records["m1/r1"]
    assert (m1.output_tokens, m1.cache_write_tokens, m1.cache_write_1h_tokens) == (300, 1000, 0)
    assert m1.ts == datetime(2026, 11, 2, 9, 12, 5, tzinfo=UTC)
    assert m1.session == "sess-1" and m1.project == "/home/dev/shop"
    assert records["m2/r2"].cache_write_1h_tokens == 200
    assert records["s1/rs"].input_tokens == 100 and records["s1/rs"].cache_read_tokens == 500
    assert sum(r.output_tokens for r in records.values()) == 300 + 50 + 70 + 20 + 10 + 1


def test_importing_twice_adds_nothing(tmp_path: Path) -> None:
    projects = sample_projects(tmp_path)
    first = run_import("claude-code", [str(projects)], ctx(tmp_path))
    again = run_import("claude-code", [str(projects)], ctx(tmp_path))
    assert (first.added, again.added, again.records) == (6, 0, 6)
    assert UsageStore().count() == 6


def test_default_dirs_home_and_claude_config_dir(tmp_path: Path) -> None:
    sample_projects(tmp_path / "home" / ".claude")
    extra = tmp_path / "cfg2"
    write_jsonl(
        extra / "projects" / "p" / "s.jsonl",
        [assistant("z1", "rz", "2026-11-04T00:00:00Z", inp=1, out=1)],
    )
    context = ctx(tmp_path, CLAUDE_CONFIG_DIR=f"{tmp_path / 'missing'}, {extra}")
    summary = run_import("claude-code", [], context)
    assert summary.sources == [str(tmp_path / "home/.claude/projects"), str(extra / "projects")]
    assert summary.added == 7


def test_no_logs_anywhere_is_one_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no Claude Code logs found"):
        run_import("claude-code", [], ctx(tmp_path))


def test_bad_path_stores_nothing(tmp_path: Path) -> None:
    projects = sample_projects(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        run_import("claude-code", [str(projects), str(tmp_path / "nope")], ctx(tmp_path))
    assert UsageStore().count() == 0


def test_ledger_rows_written_by_the_real_writer(tmp_path: Path) -> None:
    url = str(tmp_path / "ledger.sqlite3")
    writer = LedgerWriter(open_store(url), Pricer())
    ts = datetime(2026, 11, 5, 10, 0, tzinfo=UTC)
    for i in range(3):
        writer.submit(
            LedgerRow(
                ts=ts,
                session="g1",
                model="claude-sonnet-4-5",
                input_tokens=100 + i,
                output_tokens=10,
                cache_read_tokens=5,
                cache_write_tokens=7,
            )
        )
    writer.close()
    context = ImportContext(env={}, home=tmp_path, ledger_url=url)
    summary = run_import("ledger", [], context)
    assert (summary.records, summary.added) == (3, 3)
    assert run_import("ledger", [], context).added == 0
    records = UsageStore().records(source="ledger")
    assert sum(r.input_tokens for r in records) == 303
    assert {(r.session, r.output_tokens, r.cache_write_tokens) for r in records} == {("g1", 10, 7)}
