import pytest
from duration import parse_duration

@pytest.mark.parametrize("text,seconds", [("45s", 45), ("2h", 7200), ("1h30m", 5400), ("1h2m3s", 3723)])
def test_valid(text, seconds):
    assert parse_duration(text) == seconds

@pytest.mark.parametrize("text", ["", "10", "5d", "3s2m", "h", "1h 30m"])
def test_invalid(text):
    with pytest.raises(ValueError):
        parse_duration(text)
