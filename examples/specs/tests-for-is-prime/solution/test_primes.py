import pytest
from primes import is_prime


@pytest.mark.parametrize("n", [2, 3, 5, 13, 97, 7919])
def test_primes(n):
    assert is_prime(n)


@pytest.mark.parametrize("n", [-7, 0, 1, 4, 9, 25, 49, 121, 7917])
def test_not_primes(n):
    assert not is_prime(n)
