"""High-entropy tokens: machine-random tokens count, short ones and shorter texts do not."""

from __future__ import annotations

import random
import string

from fulcrum.routing.entropy import ENTROPY_MIN_LENGTH, EntropyDetector, high_entropy_token

_rng = random.Random(11)
ALNUM = string.ascii_letters + string.digits


def rand(n: int) -> str:
    return "".join(_rng.choice(ALNUM) for _ in range(n))


def test_high_entropy_random_tokens_match() -> None:
    hits = sum(high_entropy_token(rand(40)) for _ in range(200))
    assert hits >= 190


def test_a_token_shorter_than_the_least_length_is_not_one() -> None:
    detector = EntropyDetector()
    token = next(t for t in (rand(48) for _ in range(50)) if high_entropy_token(t))
    assert detector.found(f"key {token} here")
    assert not detector.found(token[: ENTROPY_MIN_LENGTH - 1])  # the whole text is shorter
    assert not high_entropy_token(token[: ENTROPY_MIN_LENGTH - 1])
