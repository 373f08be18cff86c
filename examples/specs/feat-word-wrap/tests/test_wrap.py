from wrap import wrap

def test_wrap():
    assert wrap("the quick brown fox jumps", 10) == ["the quick", "brown fox", "jumps"]

def test_long_word_and_blank():
    assert wrap("a extraordinarily b", 5) == ["a", "extraordinarily", "b"]
    assert wrap("   ", 5) == []
