import dataclasses
import pytest
import points

def test_point():
    p = points.parse_point(" 1.5, -2 ")
    assert dataclasses.is_dataclass(p)
    assert (p.x, p.y) == (1.5, -2.0)
    assert p == points.Point(1.5, -2.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 3
