"""Token counts shown short keep their magnitude."""

from __future__ import annotations

import pytest

from fulcrum.usage.render import short


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0"),
        (9_999, "9,999"),
        (10_000, "10.0k"),
        (20_000, "20.0k"),
        (999_949, "999.9k"),
        (1_500_000, "1.5M"),
        (2_000_000_000, "2.0G"),
    ],
)
def test_short_keeps_the_magnitude(n: int, shown: str) -> None:
    assert short(n) == shown
