import pytest
from search import find

def test_every_position():
    items = [1, 3, 5, 7, 9, 11]
    for i, v in enumerate(items):
        assert find(items, v) == i

def test_missing():
    assert find([1, 3, 5], 4) == -1
    assert find([1, 3, 5], 0) == -1
    assert find([1, 3, 5], 6) == -1
    assert find([], 1) == -1
