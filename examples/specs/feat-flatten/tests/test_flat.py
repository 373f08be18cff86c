from flat import flatten

def test_nested():
    assert flatten([1, [2, [3, (4, 5)]], 6]) == [1, 2, 3, 4, 5, 6]

def test_strings_are_atoms():
    assert flatten(["ab", ["cd"]]) == ["ab", "cd"]

def test_empty():
    assert flatten([[], [[]]]) == []
