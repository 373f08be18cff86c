"""The gateway's own ledger as a usage source: one record per ledger row, keyed by its id."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from fulcrum.errors import InputError
from fulcrum.ledger import LedgerUnavailable, open_store
from fulcrum.usage.records import ImportContext, ImportLog, UsageRecord

SOURCE = "ledger"


class LedgerImporter:
    name = SOURCE
    help = "the gateway's cost ledger (PATH or --ledger-url; default: the SQLite ledger)"

    def default_sources(self, ctx: ImportContext) -> list[str]:
        return [ctx.ledger_url or ""]

    def read(self, source: str, log: ImportLog, ctx: ImportContext) -> Iterator[UsageRecord]:
        name = source or "the default ledger"
        try:  # a ledger this import cannot read is a bad source: one line, exit 2
            store = open_store(source or None, create=False)
        except LedgerUnavailable as exc:
            raise InputError(f"{name}: {exc.message}") from None
        except sqlite3.Error as exc:
            raise InputError(f"{name}: cannot open: {exc}") from None
        try:
            where = store.description
            rows = store.rows()
        except sqlite3.Error as exc:
            raise InputError(f"{name}: cannot read: {exc}") from None
        finally:
            store.close()
        log.files += 1
        for done, row in enumerate(rows, 1):
            log.lines += 1
            ctx.progress(done, len(rows))
            yield UsageRecord(
                source=SOURCE,
                key=row.id,
                ts=row.ts,
                model=row.model,
                session=row.session,
                origin=where,
                input_tokens=row.input_tokens,
                output_tokens=row.output_tokens,
                cache_write_tokens=row.cache_write_tokens,
                cache_read_tokens=row.cache_read_tokens,
            )
