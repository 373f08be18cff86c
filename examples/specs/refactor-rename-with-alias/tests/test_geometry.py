import pytest
import geometry

def test_new_name():
    assert geometry.rectangle_area(3, 4) == 12

def test_alias_warns():
    with pytest.warns(DeprecationWarning):
        assert geometry.calc(2, 5) == 10
