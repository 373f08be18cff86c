from rle import decode, encode

def test_encode():
    assert encode("aaab") == "3a1b"
    assert encode("") == ""
    assert encode("abbbbbbbbbbbc") == "1a11b1c"

def test_round_trip():
    for s in ["hello  world", "zzzzzzzzzzzzzzzz", "a"]:
        assert decode(encode(s)) == s
