from trie import Trie

def test_trie():
    t = Trie()
    for w in ["car", "cart", "care", "dog"]:
        t.insert(w)
    assert t.contains("car") and t.contains("dog")
    assert not t.contains("ca")
    assert t.starts_with("car") == ["car", "care", "cart"]
    assert t.starts_with("x") == []
    assert t.starts_with("") == ["car", "care", "cart", "dog"]
