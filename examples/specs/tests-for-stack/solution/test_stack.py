import pytest
from stack import Stack


def test_lifo_and_len():
    s = Stack()
    for i in range(3):
        s.push(i)
    assert len(s) == 3
    assert [s.pop(), s.pop(), s.pop()] == [2, 1, 0]
    assert len(s) == 0


def test_peek_keeps_item():
    s = Stack()
    s.push("a")
    assert s.peek() == "a"
    assert len(s) == 1


def test_empty_errors():
    with pytest.raises(IndexError):
        Stack().pop()
    with pytest.raises(IndexError):
        Stack().peek()
