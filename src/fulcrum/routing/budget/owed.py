"""Budget settles the database refused, kept across a restart.

A lease's settle records what its calls really spent. When the database is down it is owed
(:attr:`LeaseBank.owed`) and retried every reap; at shutdown :func:`finish` retries for at
most ``within_s``, then appends what is still owed to the spill file (JSON lines, one
settle each, beside the ledger's ``ledger-spill.jsonl``). The next gateway to start on the
same data directory takes the file (:func:`take`, a rename: one process gets it) and settles
its entries with the others it owes; ``fulcrum ledger --replay-spill`` settles them too.
A settle adds its amount to the window's spent whether or not the hold it replaces is still
there, so a spend recorded late is recorded in full.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from fulcrum.routing.budget.lease_bank import LeaseBank
from fulcrum.routing.budget.windows import Reservation

log = logging.getLogger(__name__)

DEFAULT_NAME = "budget-spill.jsonl"
CLOSE_S = 5.0  # at shutdown, settles owed are retried this long before they are spilled
RETRY_EVERY_S = 0.5

Owed = tuple[Reservation, Decimal]


def finish(
    bank: LeaseBank, spill: Path | None, within_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:  # fmt: skip
    """Retry what ``bank`` owes for up to ``within_s`` (:data:`CLOSE_S`); spill the rest."""
    deadline = time.monotonic() + (CLOSE_S if within_s is None else within_s)
    bank.retry()
    while bank.owed and time.monotonic() < deadline:
        sleep(RETRY_EVERY_S)
        bank.retry()
    if bank.owed and spill is not None:
        save(spill, bank.owed)
        total = sum((amount for _, amount in bank.owed), Decimal(0))
        log.warning(
            "budget: %d settles ($%s) kept in %s until the database is back",
            len(bank.owed), total, spill,
        )  # fmt: skip
        bank.owed = []


def save(path: Path, owed: list[Owed]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(_to_json(held, amount)) + "\n" for held, amount in owed)
    with path.open("a", encoding="utf-8") as out:
        out.write(lines)
        out.flush()
        os.fsync(out.fileno())


def take(path: Path) -> list[Owed]:
    """The settles spilled at ``path``, the file removed (an unreadable line is logged and
    skipped); none when another process took it first."""
    claimed = path.with_name(f"{path.name}.{os.getpid()}")
    try:
        os.replace(path, claimed)
    except FileNotFoundError:
        return []
    owed: list[Owed] = []
    for number, line in enumerate(claimed.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            owed.append(_from_json(json.loads(line)))
        except (ValueError, TypeError, KeyError):
            log.warning("budget: %s:%d is not a spilled settle; skipped", path, number)
    with contextlib.suppress(OSError):
        claimed.unlink()
    return owed


def _to_json(held: Reservation, amount: Decimal) -> dict[str, object]:
    return {"id": held.id, "key": held.key, "estimate": str(held.estimate),
            "windows": [list(w) for w in held.windows], "expires_at": held.expires_at,
            "amount": str(amount)}  # fmt: skip


def _from_json(data: dict[str, object]) -> Owed:
    windows = tuple((str(n), str(p)) for n, p in data["windows"])  # type: ignore[attr-defined]
    key = data["key"]
    held = Reservation(str(data["id"]), None if key is None else str(key),
                       Decimal(str(data["estimate"])), windows,
                       float(data["expires_at"]))  # type: ignore[arg-type]  # fmt: skip
    return held, Decimal(str(data["amount"]))
