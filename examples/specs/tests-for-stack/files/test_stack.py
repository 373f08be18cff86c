from stack import Stack


def test_placeholder():
    assert Stack() is not None
