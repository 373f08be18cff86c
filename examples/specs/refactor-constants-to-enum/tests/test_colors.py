import enum
import pytest
import colors

def test_enum():
    assert issubclass(colors.Color, enum.Enum)
    assert [c.value for c in colors.Color] == ["red", "green", "blue"]

def test_parse():
    assert colors.parse_color(" Green ") is colors.Color.GREEN
    with pytest.raises(ValueError):
        colors.parse_color("purple")
