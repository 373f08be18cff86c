"""The whole-file edit format the built-in agent asks models to answer in.

A reply carries one block per file it changes: a header line ``### FILE: <path>`` followed by
a fenced code block holding the file's complete new content::

    ### FILE: slug.py
    ```python
    def slugify(text: str) -> str:
        ...
    ```

The fence is three or more backticks (optionally followed by a language tag); the closing
fence is a line of the same backticks. A file whose content itself contains a line of three
backticks is written with a longer fence. Text outside blocks is ignored.
"""

from __future__ import annotations

import re

HEADER = "### FILE: "
_BLOCK = re.compile(
    r"^###\s*FILE:\s*(?P<path>\S+)\s*\n(?P<fence>`{3,})[^\n`]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)

FORMAT_HELP = f"""\
Answer with the complete new content of every file you change, each as a header line
`{HEADER}<path>` followed by a fenced code block, for example:

{HEADER}example.py
```python
def answer() -> int:
    return 42
```

Only the files listed as editable may be changed; write each file in full, never a diff."""


def _fence(body: str) -> str:
    longest = max((len(m) for m in re.findall(r"^`{3,}", body, re.MULTILINE)), default=2)
    return "`" * max(3, longest + 1)


def render(files: dict[str, str], lang: str = "python") -> str:
    """Files as blocks in the edit format (what the scripted model answers with)."""
    parts = []
    for path, body in files.items():
        text = body if body.endswith("\n") or not body else body + "\n"
        fence = _fence(text)
        parts.append(f"{HEADER}{path}\n{fence}{lang}\n{text}{fence}\n")
    return "\n".join(parts)


def parse(reply: str) -> dict[str, str]:
    """The files a reply writes, in order; a later block for the same path wins."""
    return {m.group("path"): m.group("body") for m in _BLOCK.finditer(reply)}
