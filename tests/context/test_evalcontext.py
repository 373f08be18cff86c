from __future__ import annotations

from pathlib import Path

from fulcrum.context.evalcontext import imported_names, task_context

SOLUTION = (
    "import json\nfrom textwrap import dedent\nfrom .helpers import slug\n\n\ndef f():\n    pass\n"
)
HELPERS = '''def normalize_whitespace(text):
    """Collapse runs of whitespace into one space."""
    return " ".join(text.split())
'''


def test_imported_names_are_dotted_and_relative_imports_skipped() -> None:
    assert imported_names({"a.py": SOLUTION, "b.txt": "import os"}) == ["json", "textwrap.dedent"]


def test_task_context_has_installed_signatures_and_code_not_already_shown(tmp_path: Path) -> None:
    (tmp_path / "solution.py").write_text(SOLUTION)
    (tmp_path / "helpers.py").write_text(HELPERS)
    shown = {"solution.py": SOLUTION}
    text = task_context(tmp_path, "Collapse whitespace in the title", shown)
    assert text.startswith("\n\n## Context")
    assert "`textwrap.dedent(text)`" in text  # the signature, read from this interpreter
    assert "helpers.py:1-3 normalize_whitespace" in text
    assert "### solution.py" not in text  # shown in full already
    assert task_context(tmp_path, "x", shown, budget_tokens=1) == ""
