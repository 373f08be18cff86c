import pytest
from matrix import matmul

def test_product():
    assert matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]]) == [[19, 22], [43, 50]]
    assert matmul([[1, 2, 3]], [[1], [2], [3]]) == [[14]]

def test_errors():
    with pytest.raises(ValueError):
        matmul([[1, 2]], [[1, 2]])
    with pytest.raises(ValueError):
        matmul([[1, 2], [3]], [[1], [2]])
