from roman import to_int

def test_additive():
    assert to_int("III") == 3
    assert to_int("LXVI") == 66

def test_subtractive():
    assert to_int("IV") == 4
    assert to_int("XCIX") == 99
    assert to_int("MCMXCIV") == 1994
