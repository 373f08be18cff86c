from summary import column_means

DATA = "name,age,score,city\nann,30,1.5,Oslo\nbob,,2.5,Rome\ncid,40,3.0,\"Paris, FR\"\n"

def test_means():
    assert column_means(DATA) == {"age": 35.0, "score": 2.333}

def test_header_only():
    assert column_means("a,b\n") == {}
