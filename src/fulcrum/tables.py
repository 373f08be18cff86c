"""The one reader of TOML tables: typed getters whose errors name the file, the field and
what is accepted, in one wording for every config, scenario, catalog and spec file.

    t = Table(data, file="gateway.toml", prefix="backends.local")
    t.only("format", "base_url", ...)        # unknown key `formt`; did you mean `format`? ...
    t.choice("format", ("anthropic", "openai"), required=True)
    t.integer("port", 8787, low=0, high=65535)
    t.decimal("price_usd", low=0)            # None when absent (money is Decimal)
    t.table("timeouts").number("connect", 5.0, low=0.001)

Every failure is a :class:`fulcrum.errors.ConfigError` (CLI exit 2): ``FILE: FIELD: expected
ACCEPTED, got VALUE``, ``FILE: FIELD: is required; expected ACCEPTED`` or ``FILE: FIELD: unknown
key `KEY`; did you mean `NEAR`? accepted: A, B``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from fulcrum.errors import ConfigError, InputError, did_you_mean

_MISSING: Any = object()


def unknown_key(file: str | None, field: str, key: str, accepted: Iterable[str]) -> ConfigError:
    """The error for a key no reader accepts, with the closest accepted one as a suggestion."""
    names = list(accepted)
    hint = did_you_mean(key, names)
    return ConfigError(
        f"unknown key `{key}`; {hint}accepted: {', '.join(names)}", file=file, field=field
    )


# No count, price, size or rate fulcrum reads comes near this; past it the cost engine's
# 28-digit arithmetic overflows. A field with no upper bound of its own is held under it.
HUGE = 10**15


def _range(kind: str, low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"{kind} in [{low}, {high}]"
    if low is not None:
        return f"{kind} >= {low}"
    return f"{kind} <= {high}" if high is not None else kind


def flag_number(flag: str, value: float, low: float, high: float) -> float:
    """A number given on the command line, in [low, high] (NaN and infinity never are): one
    :class:`InputError` (exit 2) in the words a config field's range gets."""
    if not low <= value <= high:
        accepted = _range("a number", f"{low:g}", f"{high:g}")
        raise InputError(f"{flag}: expected {accepted}, got {value:g}")
    return value


def to_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from a TOML number (or numeric string); None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


class Table:
    """One TOML table; ``prefix`` is its dotted path (``backends.local``, ``options[0]``)."""

    def __init__(self, data: Any, file: str | None = None, prefix: str = "") -> None:
        if not isinstance(data, Mapping):
            self.data: Mapping[str, Any] = {}
            self.file, self.prefix = file, prefix
            self.fail("", "a table", data)
        self.data = data
        self.file = file
        self.prefix = prefix

    def path(self, key: str) -> str:
        if not key:
            return self.prefix or "<root>"
        return f"{self.prefix}.{key}" if self.prefix else key

    def fail(self, key: str, accepted: str, got: Any = _MISSING) -> NoReturn:
        """Raise the one error shape: ``expected ACCEPTED, got VALUE`` at ``key``."""
        shown = "" if got is _MISSING else f", got {got!r}"
        raise ConfigError(f"expected {accepted}{shown}", file=self.file, field=self.path(key))

    def only(self, *keys: str) -> None:
        """Refuse any key not in ``keys``, suggesting the closest accepted one."""
        for key in self.data:
            if key not in keys:
                raise unknown_key(self.file, self.path(key), key, keys)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def _get(self, key: str, default: Any, required: bool, accepted: str) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                raise ConfigError(
                    f"is required; expected {accepted}", file=self.file, field=self.path(key)
                )
            return default
        return value

    def table(self, key: str, *, required: bool = False) -> Table:
        return Table(self._get(key, {}, required, "a table"), self.file, self.path(key))

    def tables(self, key: str) -> list[Table]:
        """An array of tables (``[[options]]``); each is named ``key[i]``."""
        value = self._get(key, [], False, "an array of tables")
        if not isinstance(value, list):
            self.fail(key, "an array of tables", value)
        return [Table(t, self.file, f"{self.path(key)}[{i}]") for i, t in enumerate(value)]

    def text(
        self, key: str, default: str = "", *, required: bool = False, nonempty: bool = False
    ) -> str:
        accepted = "a non-empty string" if nonempty or required else "a string"
        value = self._get(key, default, required, accepted)
        if not isinstance(value, str) or ((nonempty or required) and not value.strip()):
            self.fail(key, accepted, value)
        return value

    def opt_text(self, key: str) -> str | None:
        return self.text(key, nonempty=True) if self.has(key) else None

    def choice(
        self, key: str, accepted: Sequence[str], *, default: str = "", required: bool = False
    ) -> str:
        value = self._get(key, default, required, f"one of {', '.join(accepted)}")
        if value not in accepted:
            self.fail(key, f"one of {', '.join(accepted)}", value)
        return str(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._get(key, default, False, "true or false")
        if not isinstance(value, bool):
            self.fail(key, "true or false", value)
        return value

    def integer(
        self,
        key: str,
        default: int = 0,
        *,
        low: int | None = None,
        high: int | None = None,
        required: bool = False,
    ) -> int:
        accepted = _range("an integer", low, high)
        value = self._get(key, default, required, accepted)
        bad = isinstance(value, bool) or not isinstance(value, int)
        if bad or (low is not None and value < low) or (high is not None and value > high):
            self.fail(key, accepted, value)
        if high is None and abs(value) > HUGE:
            self.fail(key, f"{accepted}, at most {HUGE:,}", value)
        return int(value)

    def opt_int(self, key: str, *, low: int | None = None, high: int | None = None) -> int | None:
        return self.integer(key, low=low, high=high) if self.has(key) else None

    def number(
        self,
        key: str,
        default: float = 0.0,
        *,
        low: float | None = None,
        high: float | None = None,
        required: bool = False,
    ) -> float:
        """A TOML number as float (seconds, watts, sizes); text is refused here."""
        raw = self._get(key, _MISSING, required, _range("a number", low, high))
        if raw is _MISSING:
            return default
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.fail(key, _range("a number", low, high), raw)
        return float(self.req_decimal(key, low=low, high=high))

    def opt_number(
        self, key: str, *, low: float | None = None, high: float | None = None
    ) -> float | None:
        return self.number(key, low=low, high=high) if self.has(key) else None

    def decimal(
        self,
        key: str,
        default: Decimal | None = None,
        *,
        low: Decimal | float | None = None,
        high: Decimal | float | None = None,
        required: bool = False,
    ) -> Decimal | None:
        """A number as Decimal (money, rates), also written as decimal text (``"0.27"``) for
        an exact figure; ``default`` when absent and not required."""
        accepted = _range("a number", low, high)
        raw = self._get(key, _MISSING, required, accepted)
        if raw is _MISSING:
            return default
        value = to_decimal(raw)
        if value is None or (low is not None and value < Decimal(str(low))):
            self.fail(key, accepted, raw)
        if high is not None and value > Decimal(str(high)):
            self.fail(key, accepted, raw)
        if high is None and abs(value) > HUGE:
            self.fail(key, f"{accepted}, at most {HUGE:,}", raw)
        return value

    def req_decimal(
        self, key: str, *, low: Decimal | float | None = 0, high: Decimal | float | None = None
    ) -> Decimal:
        value = self.decimal(key, low=low, high=high, required=True)
        assert value is not None  # required: absent raised
        return value

    def str_list(
        self, key: str, *, nonempty: bool = False, required: bool = False
    ) -> tuple[str, ...]:
        accepted = "a list of non-empty strings" if nonempty else "a list of strings"
        value = self._get(key, [], required, accepted)
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if not ok or (nonempty and not all(v.strip() for v in value)):
            self.fail(key, accepted, value)
        if required and not value:
            self.fail(key, f"{accepted}, at least one", value)
        return tuple(value)
