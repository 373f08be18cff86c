"""A console CSV row's span: from its date or start to its end column when it has one; an
export's own total row is left out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fulcrum.usage.importers import get
from fulcrum.usage.importing import ImportSummary
from fulcrum.usage.records import ImportContext, ImportLog, UsageRecord

HEADER = "starting_at,ending_at,model,uncached_input_tokens,output_tokens\n"


def _read(tmp_path: Path, name: str, text: str) -> tuple[list[UsageRecord], ImportLog]:
    path = tmp_path / "export.csv"
    path.write_text(text)
    log = ImportLog()
    records = list(get(name).read(str(path), log, ImportContext(env={}, home=tmp_path)))
    return records, log


@pytest.mark.parametrize("name", ["anthropic-console-usage", "anthropic-console-cost"])
def test_a_row_with_an_end_spans_to_it(tmp_path: Path, name: str) -> None:
    text = HEADER + "2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,claude-sonnet-4-5,100,10\n"
    if name.endswith("cost"):
        text = "starting_at,ending_at,model,cost_usd\n" + (
            "2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,claude-sonnet-4-5,1.25\n"
        )
    [record], log = _read(tmp_path, name, text)
    assert log.problems == []
    assert record.ts == datetime(2026, 11, 2, tzinfo=UTC)
    assert record.bucket_s == 86_400


def test_an_end_not_after_the_start_is_a_problem_of_its_row(tmp_path: Path) -> None:
    text = HEADER + "2026-11-02T00:00:00Z,2026-11-01T00:00:00Z,claude-sonnet-4-5,100,10\n"
    records, log = _read(tmp_path, "anthropic-console-usage", text)
    assert records == []
    [problem] = log.problems
    assert problem.line == 2 and "ending_at" in problem.reason and "after" in problem.reason


@pytest.mark.parametrize("label", ["Total", "TOTAL:", "Grand total"])
@pytest.mark.parametrize("name", ["anthropic-console-usage", "anthropic-console-cost"])
def test_an_exports_total_row_is_left_out_and_counted(
    tmp_path: Path, name: str, label: str
) -> None:
    """A total repeats the rows above it: read as a row it would count them twice."""
    if name.endswith("cost"):
        text = "usage_date_utc,model,cost_usd\n2026-11-01,claude-sonnet-4-6,12.50\n"
        text += f"2026-11-02,claude-sonnet-4-6,3.25\n{label},,15.75\n"
    else:
        text = HEADER + "2026-11-01T00:00:00Z,,claude-sonnet-4-5,100,10\n"
        text += f"2026-11-02T00:00:00Z,,claude-sonnet-4-5,50,5\n{label},,,150,15\n"
    records, log = _read(tmp_path, name, text)
    assert len(records) == 2 and log.problems == []
    assert (log.lines, log.summaries) == (3, 1)


def test_the_import_summary_says_how_many_total_rows_it_left_out(tmp_path: Path) -> None:
    log = ImportLog(files=1, lines=3, summaries=1)
    result = ImportSummary("anthropic-console-cost", ["x.csv"], "usage.sqlite3", 2, 2, log)
    assert "total rows skipped: 1; malformed lines: 0" in result.text()
    assert result.as_dict()["total_rows_skipped"] == 1
    assert "total rows" not in ImportSummary("x", [], "s", 0, 0, ImportLog()).text()


def test_rows_that_differ_in_a_column_it_does_not_know_stay_apart(tmp_path: Path) -> None:
    # a region column the importer has no name for: two rows of one day, one model, are two
    # buckets, not one the later replaces; a number there is a measure, not a dimension
    text = (
        "usage_date_utc,model_version,usage_input_tokens_no_cache,usage_output_tokens,"
        "inference_geo,mystery_cost\n"
        "2026-11-02,claude-sonnet-4-5,1000000,10,us,1.5\n"
        "2026-11-02,claude-sonnet-4-5,2000000,20,eu,3.0\n"
    )
    records, log = _read(tmp_path, "anthropic-console-usage", text)
    assert log.problems == [] and log.duplicates == 0
    assert sorted(r.input_tokens for r in records) == [1_000_000, 2_000_000]
    assert all("mystery" not in r.key for r in records)
    twice, log = _read(tmp_path, "anthropic-console-usage", text + text.split("\n", 1)[1])
    assert len(twice) == 2 and log.duplicates == 2  # saved twice: still two buckets
