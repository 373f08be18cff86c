from intervals import merge

def test_sorted_overlaps():
    assert merge([(1, 3), (2, 6), (8, 10)]) == [(1, 6), (8, 10)]

def test_unsorted():
    assert merge([(8, 10), (1, 3), (2, 4)]) == [(1, 4), (8, 10)]

def test_nested_and_touching():
    assert merge([(1, 10), (2, 3), (10, 12)]) == [(1, 12)]
