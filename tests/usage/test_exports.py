"""Provider exports: Admin API usage/cost pages, OpenAI organization usage/costs, console
CSVs — stored as buckets, deduplicated, problems with file and line, shown like the rest."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.testing.cli import run_cli
from fulcrum.usage.importers import IMPORTERS
from fulcrum.usage.importing import run_import
from fulcrum.usage.records import ImportContext
from fulcrum.usage.store import UsageStore

from .exports import (
    SONNET,
    anthropic_result,
    bucket,
    cost_result,
    openai_bucket,
    openai_cost,
    openai_page,
    openai_usage,
    page,
    write_json,
    write_text,
)

Capsys = pytest.CaptureFixture[str]
NOV2 = 1_793_577_600  # 2026-11-02T00:00:00Z


def ctx(tmp_path: Path) -> ImportContext:
    return ImportContext(env={}, home=tmp_path / "home")


def problems(summary: object) -> set[tuple[str, int, str]]:
    log = summary.log  # type: ignore[attr-defined]
    return {(Path(p.file).name, p.line, p.reason) for p in log.problems}


def anthropic_usage_files(root: Path) -> Path:
    broken = anthropic_result(out=5)
    del broken["output_tokens"]
    write_json(root / "p1.json", page([
        bucket("2026-11-02", [anthropic_result(out=1_000_000),
                              anthropic_result(model=None, inp=7)]),
        bucket("2026-11-03", [anthropic_result(inp=1_000_000, w1=1_000), broken]),
    ], more=True))  # fmt: skip
    again = json.dumps(page([bucket("2026-11-03", [anthropic_result(inp=1_000_000, w1=1_000)])]))
    write_text(root / "p2.jsonl", again + "\n" + again[:40])
    return root


def test_every_export_has_an_importer() -> None:
    assert {"anthropic-usage", "anthropic-cost", "anthropic-console-usage",
            "anthropic-console-cost", "openai-usage", "openai-costs"} <= set(IMPORTERS)  # fmt: skip


def test_admin_usage_pages_become_buckets_once_with_problems_named(tmp_path: Path) -> None:
    root = anthropic_usage_files(tmp_path / "usage")
    summary = run_import("anthropic-usage", [str(root)], ctx(tmp_path))
    assert (summary.log.files, summary.records, summary.added) == (2, 3, 3)
    assert summary.log.duplicates == 1
    assert problems(summary) == {
        ("p1.json", 1, "data[1].results[1]: output_tokens missing or not a whole number"),
        ("p2.jsonl", 2, "file ends mid-line"),
    }
    again = run_import("anthropic-usage", [str(root)], ctx(tmp_path))
    assert again.added == 0 and UsageStore().count() == 3
    records = UsageStore().records()
    assert all(r.bucket_s == 86_400 and r.requests is None for r in records)
    day3 = next(r for r in records if r.ts.day == 3)
    assert (day3.input_tokens, day3.cache_write_tokens, day3.cache_write_1h_tokens) == (
        1_000_000, 1_000, 1_000)  # fmt: skip
    assert day3.project == "wrkspc_01" and day3.model == SONNET
    assert {r.model for r in records} == {SONNET, "(all models)"}


def test_results_differing_in_a_field_the_importer_does_not_know_stay_apart(
    tmp_path: Path,
) -> None:
    # a report grouped by a field added to the API later: the eu result replaced the us one
    us = {**anthropic_result(out=1_000), "data_region": "us"}
    eu = {**anthropic_result(out=2_000), "data_region": "eu"}
    write_json(tmp_path / "usage.json", page([bucket("2026-11-02", [us, eu])]))
    write_json(tmp_path / "cost.json", page([bucket("2026-11-02", [
        {**cost_result("100"), "data_region": "us"}, {**cost_result("250"), "data_region": "eu"},
    ])]))  # fmt: skip
    usage = run_import("anthropic-usage", [str(tmp_path / "usage.json")], ctx(tmp_path))
    cost = run_import("anthropic-cost", [str(tmp_path / "cost.json")], ctx(tmp_path))
    assert (usage.records, usage.log.duplicates, cost.records) == (2, 0, 2)
    records = UsageStore().records()
    assert sum(r.output_tokens for r in records if r.source == "anthropic-usage") == 3_000
    assert sum(r.cost_usd or 0 for r in records if r.source == "anthropic-cost") == Decimal("3.5")


def test_cost_report_amounts_are_cents_as_decimal_strings(tmp_path: Path) -> None:
    write_json(tmp_path / "cost.json", page([
        bucket("2026-11-02", [cost_result("1500.00"),
                              cost_result("30.05", token_type="uncached_input_tokens")]),
        bucket("2026-11-03", [cost_result("12", currency="EUR"), cost_result("99.5", model=None)]),
    ]))  # fmt: skip
    summary = run_import("anthropic-cost", [str(tmp_path / "cost.json")], ctx(tmp_path))
    assert summary.records == 3
    assert problems(summary) == {
        ("cost.json", 1, "data[1].results[0]: currency 'EUR' is not USD; amounts are not converted")
    }
    costs = sorted(r.cost_usd for r in UsageStore().records() if r.cost_usd is not None)
    assert costs == [Decimal("0.3005"), Decimal("0.995"), Decimal("15.00")]
    labels = {r.model for r in UsageStore().records()}
    assert "Claude Sonnet 4.5 Usage - output_tokens" in labels  # no model: the description


def test_openai_usage_and_costs(tmp_path: Path, capsys: Capsys) -> None:
    bad = openai_usage("gpt-4o", inp=10, cached=20, out=1, n=1, project="proj_bad")
    write_json(tmp_path / "oa" / "usage.json", openai_page([
        openai_bucket(NOV2, [openai_usage("gpt-4o", inp=1_000_000, cached=400_000,
                                          out=100_000, n=50), bad]),
    ]))  # fmt: skip
    write_json(tmp_path / "oa" / "costs.json", openai_page([
        openai_bucket(NOV2, [openai_cost(0.1, "gpt-4o, input"),
                             openai_cost(0.2, "gpt-4o, output")]),
    ]))  # fmt: skip
    usage = run_import("openai-usage", [str(tmp_path / "oa" / "usage.json")], ctx(tmp_path))
    assert usage.records == 1
    assert problems(usage) == {
        ("usage.json", 1, "data[0].results[1]: input_cached_tokens exceed input_tokens")
    }
    costs = run_import("openai-costs", [str(tmp_path / "oa" / "costs.json")], ctx(tmp_path))
    assert costs.records == 2 and not costs.log.problems
    (r,) = UsageStore().records(source="openai-usage")
    assert (r.input_tokens, r.cache_read_tokens, r.requests, r.project) == (
        600_000, 400_000, 50, "proj_abc")  # fmt: skip
    code, out, _ = run_cli(["usage", "--since", "2026-11-01", "--until", "2026-11-30",
                            "--source", "openai-usage", "--json"], capsys)  # fmt: skip
    report = json.loads(out)
    # 0.6M x $2.50 + 0.4M cached x $1.25 + 0.1M x $10 per million
    assert code == 0 and report["total"]["cost_usd"] == "3.00"
    assert report["total"]["calls"] == 50 and report["total"]["buckets"] == 1
    assert report["blocks"] == []  # a day's total has no place in a 5-hour block
    code, out, _ = run_cli(["usage", "--since", "2026-11-01", "--until", "2026-11-30",
                            "--source", "openai-costs", "--json"], capsys)  # fmt: skip
    assert json.loads(out)["total"]["cost_usd"] == "0.3"


CONSOLE_USAGE = """usage_date_utc,model_version,api_key,workspace,usage_type,context_window,\
usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,\
usage_input_tokens_cache_read,usage_output_tokens,web_search_count
2026-11-02,claude-sonnet-4-5-20250929,dev-key,Default,standard,0-200k,"1,000",0,0,0,200000,0
2026-11-02,claude-sonnet-4-5-20250929,ci-key,Default,standard,0-200k,0,0,0,0,100000,0
2026-11-03,claude-sonnet-4-5-20250929,dev-key,Default,standard,0-200k,abc,0,0,0,1,0
2026-11-03,claude-sonnet-4-5-20250929,dev-key
2026-11-02,claude-sonnet-4-5-20250929,dev-key,Default,standard,0-200k,"1,000",0,0,0,200000,0
"""
CONSOLE_COST = """usage_date_utc,model,workspace,description,cost_type,token_type,cost_usd,currency
2026-11-02,claude-sonnet-4-5-20250929,Default,Sonnet output,tokens,output_tokens,4.50,USD
2026-11-02,,Default,Web search,web_search,,0.20,USD
2026-11-03,claude-sonnet-4-5-20250929,Default,Sonnet output,tokens,output_tokens,n/a,USD
"""


def test_console_csv_exports(tmp_path: Path, capsys: Capsys) -> None:
    usage_csv = write_text(tmp_path / "console" / "usage.csv", CONSOLE_USAGE)
    cost_csv = write_text(tmp_path / "console" / "cost.csv", CONSOLE_COST)
    usage = run_import("anthropic-console-usage", [str(usage_csv)], ctx(tmp_path))
    assert (usage.records, usage.log.duplicates) == (2, 1)
    assert problems(usage) == {
        ("usage.csv", 4, "usage_input_tokens_no_cache: 'abc' is not a number"),
        ("usage.csv", 5, "3 cells, the header has 12"),
    }
    cost = run_import("anthropic-console-cost", [str(cost_csv)], ctx(tmp_path))
    assert cost.records == 2
    assert problems(cost) == {("cost.csv", 4, "cost_usd: 'n/a' is not a number")}
    assert run_import("anthropic-console-usage", [str(usage_csv)], ctx(tmp_path)).added == 0
    window = ["--since", "2026-11-01", "--until", "2026-11-30"]
    code, out, _ = run_cli(
        ["usage", *window, "--source", "anthropic-console-usage", "--by", "day"], capsys
    )
    # 300k output x $15 + 1k input x $3 per million
    assert code == 0 and "$4.50" in out and "+ 2 export buckets" in out
    assert "5-hour blocks" not in out  # day totals have no place in a block
    wrong = write_text(tmp_path / "other.csv", "day,tokens\n2026-11-02,5\n")
    bad = run_import("anthropic-console-usage", [str(wrong)], ctx(tmp_path))
    (p,) = bad.log.problems
    assert p.line == 1 and "model: model_version or model" in p.reason


def test_cli_import_reports_problems_and_needs_a_path(tmp_path: Path, capsys: Capsys) -> None:
    root = anthropic_usage_files(tmp_path / "usage")
    code, out, _ = run_cli(["usage", "import", "--from", "anthropic-usage", str(root)], capsys)
    assert code == 0 and "p2.jsonl:2: file ends mid-line" in out
    code, _, err = run_cli(["usage", "import", "--from", "openai-costs"], capsys)
    assert code == 2 and "pass its files as PATH" in err and "Traceback" not in err


def test_a_version_1_store_gains_the_bucket_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE usage_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO usage_meta VALUES ('schema_version', '1');
        CREATE TABLE usage_records (source TEXT NOT NULL, key TEXT NOT NULL, ts TEXT NOT NULL,
            model TEXT NOT NULL, session TEXT, project TEXT, origin TEXT,
            input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
            cache_write_tokens INTEGER NOT NULL, cache_write_1h_tokens INTEGER NOT NULL,
            cache_read_tokens INTEGER NOT NULL, web_search_requests INTEGER NOT NULL,
            PRIMARY KEY (source, key));
        INSERT INTO usage_records VALUES ('claude-code', 'm/r', '2026-11-02T09:00:00.000000Z',
            'claude-sonnet-4-5', 's', NULL, NULL, 1, 2, 0, 0, 0, 0);
    """)
    db.commit()
    db.close()
    store = UsageStore(path)
    (r,) = store.records()
    assert (r.output_tokens, r.bucket_s, r.cost_usd, r.calls) == (2, 0, None, 1)
    assert r.ts == datetime(2026, 11, 2, 9, tzinfo=UTC)
    store.close()
    version = sqlite3.connect(path).execute("SELECT value FROM usage_meta").fetchone()[0]
    assert version == "2"
