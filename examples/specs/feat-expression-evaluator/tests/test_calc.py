import pytest
from calc import evaluate

@pytest.mark.parametrize("expr,value", [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("10 / 4", 2.5), ("8 - 3 - 2", 3),
    ("-(2 + 3) * 2", -10), ("2 * -3", -6), ("1.5 + .5", 2.0), ("100 / 10 / 5", 2),
])
def test_values(expr, value):
    assert evaluate(expr) == pytest.approx(value)

@pytest.mark.parametrize("expr", ["", "1 +", "(1 + 2", "1 + 2)", "2 ** 3", "abc"])
def test_malformed(expr):
    with pytest.raises(ValueError):
        evaluate(expr)

def test_no_eval(monkeypatch):
    import builtins
    monkeypatch.setattr(builtins, "eval", None)
    assert evaluate("2 + 2") == 4
