import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent.parent
IMPLS = {'one_is_prime': 'def is_prime(n: int) -> bool:\n    if n < 1:\n        return False\n    i = 2\n    while i * i <= n:\n        if n % i == 0:\n            return False\n        i += 1\n    return True\n', 'squares_missed': 'def is_prime(n: int) -> bool:\n    if n < 2:\n        return False\n    i = 2\n    while i * i < n:\n        if n % i == 0:\n            return False\n        i += 1\n    return True\n', 'two_not_prime': 'def is_prime(n: int) -> bool:\n    if n < 3:\n        return False\n    i = 2\n    while i * i <= n:\n        if n % i == 0:\n            return False\n        i += 1\n    return True\n'}


def run_suite(tmp_path: Path, source: str) -> int:
    shutil.copy(HERE / "test_primes.py", tmp_path / "test_primes.py")
    (tmp_path / "primes.py").write_text(source)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_primes.py"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    return done.returncode


def test_passes_on_correct_implementation(tmp_path):
    assert run_suite(tmp_path, (HERE / "primes.py").read_text()) == 0


@pytest.mark.parametrize("name", sorted(IMPLS))
def test_catches_mutant(tmp_path, name):
    assert run_suite(tmp_path, IMPLS[name]) != 0, f"your tests do not catch mutant {name}"
