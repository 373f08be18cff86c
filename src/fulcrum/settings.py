"""Settings built once, at start-up, never at import time.

Precedence: explicit value (CLI flag) > environment (``FULCRUM_*``) > config file > default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import platformdirs

from fulcrum.errors import InputError

ENV_PREFIX = "FULCRUM_"

T = TypeVar("T")


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where fulcrum keeps its ledger and state: ``$FULCRUM_DATA_DIR`` or the user data dir."""
    env = os.environ if env is None else env
    explicit = env.get(ENV_PREFIX + "DATA_DIR")
    if not explicit:
        return Path(platformdirs.user_data_dir("fulcrum"))
    path = Path(explicit)
    if path.exists() and not path.is_dir():
        raise InputError(f"FULCRUM_DATA_DIR: {explicit} is not a directory; give a directory "
                         "(a missing one is created)")  # fmt: skip
    return path


def pick(flag: T | None, env_value: T | None, file_value: T | None, default: T) -> T:
    """Apply the precedence rule flag > env > file > default to one setting."""
    for value in (flag, env_value, file_value):
        if value is not None:
            return value
    return default


@dataclass(frozen=True, slots=True)
class Paths:
    data: Path

    @classmethod
    def build(cls, env: Mapping[str, str] | None = None) -> Paths:
        return cls(data=data_dir(env))

    @property
    def ledger_sqlite(self) -> Path:
        return self.data / "ledger.sqlite3"
