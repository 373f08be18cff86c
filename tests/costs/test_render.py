"""The decision's closing line: a re-evaluation date already past is called overdue."""

from __future__ import annotations

from datetime import date

from fulcrum.costs.render import reevaluate_line


def test_a_future_date_is_shown_as_is() -> None:
    line = reevaluate_line(date(2027, 3, 1), date(2026, 12, 1))
    assert line == "Re-evaluate on [bold]2027-03-01[/bold]"


def test_a_past_date_is_overdue_with_the_days() -> None:
    line = reevaluate_line(date(2026, 8, 5), date(2026, 12, 1))
    assert "overdue" in line
    assert "2026-08-05" in line
    assert "118 days" in line
