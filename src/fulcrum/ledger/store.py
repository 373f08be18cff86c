"""The ledger store protocol, shared by SQLite and PostgreSQL, and the report query.

:func:`fulcrum.ledger.factory.open_store` picks the implementation from a URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from fulcrum.errors import ConfigError, Unavailable
from fulcrum.ledger.row import LedgerRow

# the environment variable every command that reads the ledger takes its URL from
LEDGER_URL_ENV = "FULCRUM_LEDGER_URL"

UNSERVED = "unserved"  # the backend kind an aggregate gives a row with no backend

GROUP_COLUMNS: dict[str, str] = {
    "model": "model",
    "backend": "backend",
    "session": "session",
    "provider": "provider",
    "route": "route",
    "client_key": "client_key",  # spend per developer (the name of each one's client key)
}


class LedgerUnavailable(Unavailable):
    """The ledger database cannot be opened or reached. The CLI exits 2 with one line (the
    database named, its password hidden); an HTTP client gets :data:`PUBLIC_MESSAGE`, never
    where the database is (the gateway logs that)."""

    exit_code: ClassVar[int] = 2
    PUBLIC_MESSAGE: ClassVar[str] = (
        "the gateway's routing state is unavailable (its database cannot be reached); "
        "try again shortly"
    )

    @property
    def client_message(self) -> str:
        return self.PUBLIC_MESSAGE


class LedgerUnreachable(LedgerUnavailable):
    """The database server did not answer (refused, timed out, lost): the job failed, exit 1,
    as for any server a command cannot reach; what is there but unusable stays exit 2."""

    exit_code: ClassVar[int] = 1


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Sums over the calls of one (UTC day, group, backend kind).

    Money sums cover only the calls with a known amount; ``*_unknown`` counts the others.
    A sum is ``None`` when no call in the bucket had a known amount.
    """

    day: date
    group: str | None
    backend_kind: str
    calls: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: Decimal | None
    cost_unknown: int
    counterfactual_usd: Decimal | None
    counterfactual_unknown: int
    saving_usd: Decimal | None
    saving_unknown: int

    @property
    def tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_write_tokens
        )


class LedgerStore(Protocol):
    """What the writer and the reports need from a database."""

    remote: bool  # a server over the network (True), or a local file (False)

    @property
    def description(self) -> str:
        """Where the ledger lives, safe to print (no password)."""
        ...

    def insert_many(self, rows: Sequence[LedgerRow]) -> int:
        """Insert rows in one transaction; a row whose id is already stored is skipped."""
        ...

    def encode(self, row: LedgerRow) -> tuple[Any, ...]:
        """The row as this database's insert parameters (pure: any thread may call it)."""
        ...

    def insert_encoded(self, values: Sequence[tuple[Any, ...]]) -> int:
        """:meth:`insert_many` of rows already encoded; the number inserted."""
        ...

    def aggregate(
        self, since: datetime | None, until: datetime | None, by: str | None
    ) -> list[Aggregate]:
        """Sums per UTC day, group (``by`` in :data:`GROUP_COLUMNS`) and backend kind."""
        ...

    def rows(self, since: datetime | None = None, until: datetime | None = None) -> list[LedgerRow]:
        """Every row in ``[since, until)``, oldest first."""
        ...

    def count(self) -> int: ...

    def schema_version(self) -> int: ...

    def close(self) -> None: ...


def aggregate_sql(*, day: str, decsum: str, by: str | None, where: str) -> str:
    """The report query, shared by both dialects (they differ in the day and sum functions)."""
    group = GROUP_COLUMNS[by] if by is not None else "NULL"
    money = ", ".join(
        f"{decsum}({col}), SUM(CASE WHEN {col} IS NULL THEN 1 ELSE 0 END)"
        for col in ("cost_usd", "counterfactual_usd", "saving_usd")
    )
    # a request no backend answered (refused by the gateway: a 503, a 429) is of no kind
    kind = f"CASE WHEN COALESCE(backend, '') = '' THEN '{UNSERVED}' ELSE backend_kind END"
    return (
        f"SELECT {day} AS day, {group} AS grp, {kind}, COUNT(*), SUM(input_tokens), "
        f"SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens), {money} "
        f"FROM ledger_calls {where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )


def build_aggregate(record: Sequence[object]) -> Aggregate:
    day, grp, kind, calls, tin, tout, tcr, tcw, cost, cu, cf, cfu, sav, savu = record
    return Aggregate(
        day=date.fromisoformat(str(day)),
        group=None if grp is None else str(grp),
        backend_kind=str(kind),
        calls=_int(calls),
        input_tokens=_int(tin),
        output_tokens=_int(tout),
        cache_read_tokens=_int(tcr),
        cache_write_tokens=_int(tcw),
        cost_usd=_money(cost),
        cost_unknown=_int(cu),
        counterfactual_usd=_money(cf),
        counterfactual_unknown=_int(cfu),
        saving_usd=_money(sav),
        saving_unknown=_int(savu),
    )


def _int(value: object) -> int:
    return 0 if value is None else int(str(value))


def _money(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def check_group(by: str | None) -> None:
    if by is not None and by not in GROUP_COLUMNS:
        raise ConfigError(
            f"{by!r} is not a ledger grouping; use one of {', '.join(GROUP_COLUMNS)}",
            field="--by",
        )
