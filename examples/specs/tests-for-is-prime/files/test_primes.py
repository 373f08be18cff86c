from primes import is_prime


def test_seven():
    assert is_prime(7)
