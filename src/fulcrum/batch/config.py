"""The ``[batch]`` table of the gateway config, and the run window.

```toml
[batch]
window = "22:00-07:00"   # local hours when batch items run at full concurrency (absent: none)
timezone = "Europe/Berlin"  # the window's zone (default: the machine's)
idle_only = true         # outside the window, run only while no interactive local call is in flight
max_concurrent = 2       # batch items in flight at once (per gateway process)
poll_s = 1.0             # how often an idle worker looks for queued items
lease_s = 60             # a claim's lease; renewed while the item runs, retried once it expires
max_attempts = 5         # tries of an item whose backend failed (5xx, 429, down) before it errors
retry_s = 5              # the wait before the first retry, doubled for each next (to 5 minutes):
                         # 5 tries span 75 s of a backend down (a model loading, a restart)
max_file_bytes = 104857600
enabled = true           # false: the endpoints serve, no item runs in this process
forward = ["claude"]     # api backends whose provider's batch API takes the items no local
                         # backend serves (default: none; such items end errored)
forward_poll_s = 60      # how often the worker asks a provider whether its batch has ended
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fulcrum.batch.forwarders import PROVIDER_BATCHES
from fulcrum.tables import Table

RETRY_MAX_S = 300.0  # the longest wait between two tries of an item

KEYS = (
    "window",
    "timezone",
    "idle_only",
    "max_concurrent",
    "poll_s",
    "lease_s",
    "max_attempts",
    "retry_s",
    "max_file_bytes",
    "enabled",
    "forward",
    "forward_poll_s",
)


@dataclass(frozen=True, slots=True)
class Window:
    """Daily hours ``start``-``end`` in ``zone``; ``end`` before ``start`` spans midnight."""

    start: time
    end: time
    zone: tzinfo | None  # None: the machine's local zone

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone).time().replace(tzinfo=None)
        if self.start == self.end:
            return True  # "00:00-24:00": always
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True, slots=True)
class BatchConfig:
    window: Window | None = None
    idle_only: bool = True
    max_concurrent: int = 2
    poll_s: float = 1.0
    lease_s: float = 60.0
    max_attempts: int = 5
    retry_s: float = 5.0
    max_file_bytes: int = 100 * 1024 * 1024
    enabled: bool = True
    forward: tuple[str, ...] = ()  # api backends that forward to their provider's batch API
    forward_poll_s: float = 60.0

    def retry_delay(self, attempts: int) -> float:
        """The wait before the next try of an item tried ``attempts`` times: ``retry_s``,
        doubled for each try after the first, at most :data:`RETRY_MAX_S`."""
        return min(self.retry_s * 2.0 ** max(attempts - 1, 0), RETRY_MAX_S)

    def may_start(self, now: datetime, interactive_in_flight: int) -> bool:
        """Whether a new item may start now: inside the window, or idle when ``idle_only``."""
        if self.window is not None and self.window.is_open(now):
            return True
        return self.idle_only and interactive_in_flight == 0


def _clock(table: Table, text: str) -> time:
    try:
        hours, minutes = (int(p) for p in text.split(":"))
    except ValueError:
        table.fail("window", 'two times "HH:MM-HH:MM", e.g. "22:00-07:00"', text)
    if hours == 24 and minutes == 0:
        return time(0, 0)
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        table.fail("window", 'times from "00:00" to "24:00"', text)
    return time(hours, minutes)


def _zone(table: Table) -> tzinfo | None:
    name = table.opt_text("timezone")
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        table.fail("timezone", 'an IANA time zone name such as "Europe/Berlin"', name)


def parse_window(table: Table) -> Window | None:
    text = table.opt_text("window")
    zone = _zone(table)
    if text is None:
        return None
    start, sep, end = text.replace(" ", "").partition("-")
    if not sep:
        table.fail("window", 'two times "HH:MM-HH:MM", e.g. "22:00-07:00"', text)
    window = Window(_clock(table, start), _clock(table, end), zone)
    if window.start == window.end and end != "24:00":  # all day, or never? ambiguous
        table.fail("window", 'a start and an end that differ ("00:00-24:00": all day)', text)
    return window


def parse_forward(table: Table, backends: Mapping[str, Any]) -> tuple[str, ...]:
    """``forward``: configured api backends whose wire format has a provider batch API."""
    names = table.str_list("forward")
    for name in names:
        backend = backends.get(name)
        if backend is None:
            table.fail("forward", f"names of configured backends ({', '.join(backends)})", name)
        if backend.kind != "api":
            table.fail("forward", "api backends (a local backend runs items itself)", name)
        if backend.format not in PROVIDER_BATCHES:
            formats = ", ".join(PROVIDER_BATCHES)
            table.fail("forward", f"backends of a format with a batch API ({formats})", name)
    return names


def parse_batch(table: Table, backends: Mapping[str, Any] | None = None) -> BatchConfig:
    """The ``[batch]`` table (an empty table gives the defaults); ``backends``: the configured
    ones by name (``BackendConfig``), which ``forward`` is checked against."""
    table.only(*KEYS)
    defaults = BatchConfig()
    return BatchConfig(
        window=parse_window(table),
        idle_only=table.flag("idle_only", defaults.idle_only),
        max_concurrent=table.integer("max_concurrent", defaults.max_concurrent, low=1, high=256),
        poll_s=table.number("poll_s", defaults.poll_s, low=0.01),
        lease_s=table.number("lease_s", defaults.lease_s, low=1),
        max_attempts=table.integer("max_attempts", defaults.max_attempts, low=1, high=100),
        retry_s=table.number("retry_s", defaults.retry_s, low=0.01, high=RETRY_MAX_S),
        max_file_bytes=table.integer("max_file_bytes", defaults.max_file_bytes, low=1),
        enabled=table.flag("enabled", defaults.enabled),
        forward=parse_forward(table, backends or {}),
        forward_poll_s=table.number("forward_poll_s", defaults.forward_poll_s, low=0.01),
    )
