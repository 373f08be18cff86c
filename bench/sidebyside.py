"""Two versions of fulcrum in one process, and a cache sweep: for timing a change side by side.

On a shared machine, timings taken in separate processes minutes apart move more with the
machine's other work than with a change. :func:`import_base` loads another checkout's ``src``
beside this one, as the package ``fulcrum_base`` (a copy with its ``fulcrum`` imports renamed),
so a bench can alternate the two versions call by call under the same conditions.
:func:`evict_caches` writes across a buffer larger than the CPU's caches: a call timed after it
runs cold, as in a serving process, where other processes run between requests.
"""

from __future__ import annotations

import atexit
import importlib
import re
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

BASE_PACKAGE = "fulcrum_base"
# ``fulcrum.x`` module paths and ``import fulcrum`` / ``from fulcrum import``, not the word
_IMPORTS = re.compile(r"\bfulcrum(?=\.[a-z_])|(?<=import )fulcrum\b|(?<=from )fulcrum(?= import)")
SWEEP_BYTES = 64 * 1024 * 1024
_LINE = 64


def import_base(src: Path, module: str) -> ModuleType:
    """``module`` (a dotted path under ``fulcrum``) of the checkout whose ``src`` is ``src``."""
    package = src / "fulcrum"
    if not (package / "__init__.py").is_file():
        print(f"--base {src}: no fulcrum package there (give a checkout's src)", file=sys.stderr)
        raise SystemExit(2)
    root = Path(tempfile.mkdtemp(prefix="fulcrum-base-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    copy = root / BASE_PACKAGE
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for path in copy.rglob("*.py"):
        path.write_text(_IMPORTS.sub(BASE_PACKAGE, path.read_text()))
    sys.path.insert(0, str(root))
    return importlib.import_module(module.replace("fulcrum", BASE_PACKAGE, 1))


@cache
def _sweep() -> tuple[bytearray, bytes]:
    return bytearray(SWEEP_BYTES), bytes(SWEEP_BYTES // _LINE)  # made once, when first needed


def evict_caches() -> None:
    """Touch one byte per cache line of a 64 MB buffer: what ran before leaves the caches."""
    buffer, zeros = _sweep()
    buffer[::_LINE] = zeros
