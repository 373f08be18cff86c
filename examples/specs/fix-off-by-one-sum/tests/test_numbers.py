from arith import total

def test_small():
    assert total(1) == 1
    assert total(4) == 10

def test_zero_and_negative():
    assert total(0) == 0
    assert total(-3) == 0

def test_large():
    assert total(100) == 5050
