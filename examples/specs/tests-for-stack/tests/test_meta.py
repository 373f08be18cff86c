import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent.parent
IMPLS = {'fifo': 'class Stack:\n    def __init__(self):\n        self._items = []\n\n    def push(self, item):\n        self._items.append(item)\n\n    def pop(self):\n        if not self._items:\n            raise IndexError("pop from empty stack")\n        return self._items.pop(0)\n\n    def peek(self):\n        if not self._items:\n            raise IndexError("peek at empty stack")\n        return self._items[-1]\n\n    def __len__(self):\n        return len(self._items)\n', 'peek_removes': 'class Stack:\n    def __init__(self):\n        self._items = []\n\n    def push(self, item):\n        self._items.append(item)\n\n    def pop(self):\n        if not self._items:\n            raise IndexError("pop from empty stack")\n        return self._items.pop()\n\n    def peek(self):\n        if not self._items:\n            raise IndexError("peek at empty stack")\n        return self._items.pop()\n\n    def __len__(self):\n        return len(self._items)\n', 'empty_pop_none': 'class Stack:\n    def __init__(self):\n        self._items = []\n\n    def push(self, item):\n        self._items.append(item)\n\n    def pop(self):\n        if not self._items:\n            return None\n        return self._items.pop()\n\n    def peek(self):\n        if not self._items:\n            raise IndexError("peek at empty stack")\n        return self._items[-1]\n\n    def __len__(self):\n        return len(self._items)\n'}


def run_suite(tmp_path: Path, source: str) -> int:
    shutil.copy(HERE / "test_stack.py", tmp_path / "test_stack.py")
    (tmp_path / "stack.py").write_text(source)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_stack.py"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    return done.returncode


def test_passes_on_correct_implementation(tmp_path):
    assert run_suite(tmp_path, (HERE / "stack.py").read_text()) == 0


@pytest.mark.parametrize("name", sorted(IMPLS))
def test_catches_mutant(tmp_path, name):
    assert run_suite(tmp_path, IMPLS[name]) != 0, f"your tests do not catch mutant {name}"
