import pytest
from retry import retry

def flaky(failures, exc=ValueError):
    calls = []
    def fn():
        calls.append(1)
        if len(calls) <= failures:
            raise exc("boom")
        return len(calls)
    return fn, calls

def test_succeeds_after_retries():
    fn, calls = flaky(2)
    assert retry(3, (ValueError,))(fn)() == 3

def test_gives_up():
    fn, calls = flaky(5)
    with pytest.raises(ValueError):
        retry(3, (ValueError,))(fn)()
    assert len(calls) == 3

def test_other_exceptions_propagate():
    fn, calls = flaky(1, KeyError)
    with pytest.raises(KeyError):
        retry(3, (ValueError,))(fn)()
    assert len(calls) == 1

def test_wraps():
    @retry(2, (ValueError,))
    def named():
        return 1
    assert named.__name__ == "named"
