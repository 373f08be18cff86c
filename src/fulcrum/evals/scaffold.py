"""``fulcrum eval new``: scaffold a spec that already passes ``fulcrum eval check``.

The new spec asks for a tiny change (``greet`` must greet by name), so the hidden test fails on
the starting file and passes on the reference; replace the instruction, files, tests and
solution with the real task.
"""

from __future__ import annotations

import re
from pathlib import Path

from fulcrum.errors import InputError
from fulcrum.evals.spec import FILES_DIR, SOLUTION_DIR, TESTS_DIR
from fulcrum.evals.toml_out import write_spec_toml

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

START = '''def greet(name: str) -> str:
    """Return a greeting for ``name``."""
    return "Hello!"
'''
SOLUTION = '''def greet(name: str) -> str:
    """Return a greeting for ``name``."""
    return f"Hello, {name}!"
'''
TEST = """from greeting import greet


def test_greets_by_name() -> None:
    assert greet("Ada") == "Hello, Ada!"
"""


def new_spec(parent: Path, name: str) -> Path:
    """Create ``parent/name`` with spec.toml, files/, tests/ and solution/."""
    if not NAME.match(name):
        raise InputError(
            f"spec name {name!r} is not accepted: use lower-case letters, digits, '.', '_', '-'"
        )
    root = parent / name
    if root.exists():
        raise InputError(f"{root} already exists")
    for sub, text in ((FILES_DIR, START), (SOLUTION_DIR, SOLUTION)):
        (root / sub).mkdir(parents=True)
        (root / sub / "greeting.py").write_text(text, encoding="utf-8")
    (root / TESTS_DIR).mkdir()
    (root / TESTS_DIR / "test_greeting.py").write_text(TEST, encoding="utf-8")
    write_spec_toml(root, {
        "instruction": "`greet(name)` in `greeting.py` must return 'Hello, <name>!'.",
        "editable": ["greeting.py"],
        "setup": "",
        "test": "python -m pytest -q -p no:cacheprovider tests",
        "timeout_s": 60,
        "tags": ["feature", "easy"],
    })  # fmt: skip
    return root
