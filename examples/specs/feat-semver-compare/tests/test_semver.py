from semver import compare

def test_numeric():
    assert compare("1.10.0", "1.9.0") == 1
    assert compare("2.0.0", "2.0.0") == 0

def test_prerelease_ordering():
    chain = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
             "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]
    for lo, hi in zip(chain, chain[1:]):
        assert compare(lo, hi) == -1, (lo, hi)
        assert compare(hi, lo) == 1, (hi, lo)
