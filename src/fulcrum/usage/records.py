"""What an importer yields: one call's usage, and the problems met on the way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageRecord:
    """One model call, or one bucket of an export, as a source recorded it; ``(source, key)``
    identifies it everywhere.

    A bucket (``bucket_s`` > 0: the seconds it spans from ``ts``, e.g. a day) is a provider's
    total over that span for one group (model, workspace, key…), never split into calls;
    ``requests`` is its request count when the export gives one. ``cost_usd`` is a cost the
    source states (cost reports); without it the record is priced from the catalog.

    ``cache_write_tokens`` is every cache-write token; ``cache_write_1h_tokens`` the part
    written with the 1-hour TTL (the rest used the 5-minute one). ``project`` is the
    working directory the agent ran in, when the source knows it.
    """

    source: str
    key: str
    ts: datetime
    model: str
    session: str | None = None
    project: str | None = None
    origin: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    web_search_requests: int = 0
    bucket_s: int = 0
    requests: int | None = None
    cost_usd: Decimal | None = None

    @property
    def is_bucket(self) -> bool:
        return self.bucket_s > 0

    @property
    def calls(self) -> int:
        """Calls this record stands for: one, or a bucket's request count (0 if not given)."""
        return self.requests or 0 if self.is_bucket else 1


@dataclass(frozen=True, slots=True)
class Problem:
    """A line that could not be used: where it is and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(slots=True)
class ImportLog:
    """Counts and problems of one import, filled in by the importers."""

    files: int = 0
    lines: int = 0
    duplicates: int = 0
    synthetic: int = 0
    summaries: int = 0  # an export's own total rows, left out (they repeat the rows above)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, file: Path | str, line: int, reason: str) -> None:
        self.problems.append(Problem(str(file), line, reason))


def _no_progress(done: int, total: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ImportContext:
    """What an importer may need besides its source: environment, home, flags, progress."""

    env: Mapping[str, str]
    home: Path
    ledger_url: str | None = None
    progress: Callable[[int, int], None] = _no_progress
