"""Typed access to one TOML table, with errors naming the file, the field and what is accepted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from fulcrum.errors import ConfigError


class Section:
    """One table of a config file; ``prefix`` is its dotted path (``backends.local``)."""

    def __init__(self, data: Any, file: str, prefix: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError("must be a table", file=file, field=prefix or "<root>")
        self.data: Mapping[str, Any] = data
        self.file = file
        self.prefix = prefix

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def fail(self, key: str, accepted: str) -> NoReturn:
        raise ConfigError(f"expected {accepted}", file=self.file, field=self.path(key))

    def only(self, *keys: str) -> None:
        for key in self.data:
            if key not in keys:
                raise ConfigError(
                    f"unknown setting; accepted: {', '.join(keys)}",
                    file=self.file,
                    field=self.path(key),
                )

    def section(self, key: str) -> Section:
        return Section(self.data.get(key, {}), self.file, self.path(key))

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data and required:
            raise ConfigError("is required", file=self.file, field=self.path(key))
        return self.data.get(key)

    def text(self, key: str, default: str, *, required: bool = False) -> str:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(key, "a string")
        return value

    def choice(
        self, key: str, accepted: Sequence[str], *, default: str = "", required: bool = False
    ) -> str:
        value = self.text(key, default, required=required)
        if value not in accepted:
            self.fail(key, f"one of {', '.join(accepted)} (got {value!r})")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "true or false")
        return value

    def integer(
        self, key: str, default: int, *, low: int | None = None, high: int | None = None
    ) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "an integer")
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail(key, f"an integer in [{low}, {high if high is not None else '∞'}]")
        return value

    def opt_int(self, key: str, *, low: int) -> int | None:
        if key not in self.data:
            return None
        return self.integer(key, 0, low=low)

    def number(self, key: str, default: float, *, low: float | None = None) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, "a number")
        if low is not None and value < low:
            self.fail(key, f"a number >= {low}")
        return float(value)

    def str_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "a list of strings")
        return tuple(value)
