from words import word_count

def test_simple():
    assert word_count("one two three") == 3

def test_whitespace():
    assert word_count("  one\ttwo\n\nthree   ") == 3

def test_empty():
    assert word_count("") == 0
    assert word_count("   ") == 0
