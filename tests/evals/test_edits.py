from __future__ import annotations

from fulcrum.evals import edits


def test_round_trip_with_nested_fences() -> None:
    files = {
        "a.py": "print('a')\n",
        "docs/readme.md": "Example:\n```python\nx = 1\n```\n",
        "empty.py": "",
    }
    assert edits.parse(edits.render(files)) == files


def test_parse_ignores_prose_and_last_block_wins() -> None:
    reply = (
        "Sure, here you go.\n\n### FILE: m.py\n```python\nx = 1\n```\n\nand again\n"
        "### FILE: m.py\n```\nx = 2\n```\nDone."
    )
    assert edits.parse(reply) == {"m.py": "x = 2\n"}


def test_parse_without_blocks_is_empty() -> None:
    assert edits.parse("I changed nothing.") == {}
    assert edits.parse("### FILE: a.py\n```\nunterminated\n") == {}
