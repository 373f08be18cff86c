"""The importer registry: core code asks :func:`get` by name and never names a source.

An importer is a module with one object that has ``name``, ``help``,
``default_sources(ctx)`` (what to read when no PATH is given) and
``read(source, log, ctx)`` yielding :class:`~fulcrum.usage.records.UsageRecord` (problems
go to the :class:`~fulcrum.usage.records.ImportLog`; a source that cannot be read at all
raises :class:`~fulcrum.errors.InputError`). A new importer is a module and one
:func:`register` line below.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from fulcrum.errors import InputError
from fulcrum.usage.importers import (
    anthropic_cost,
    anthropic_usage,
    console_cost,
    console_usage,
    openai_costs,
    openai_usage,
)
from fulcrum.usage.importers.claude_code import ClaudeCodeImporter
from fulcrum.usage.importers.codex import CodexImporter
from fulcrum.usage.importers.ledger import LedgerImporter
from fulcrum.usage.importers.opencode import OpenCodeImporter
from fulcrum.usage.records import ImportContext, ImportLog, UsageRecord


class Importer(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def help(self) -> str: ...

    def default_sources(self, ctx: ImportContext) -> list[str]: ...

    def read(self, source: str, log: ImportLog, ctx: ImportContext) -> Iterator[UsageRecord]: ...


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> None:
    IMPORTERS[importer.name] = importer


def get(name: str) -> Importer:
    try:
        return IMPORTERS[name]
    except KeyError:
        raise InputError(
            f"--from: {name!r} is not an importer; use one of {', '.join(IMPORTERS)}"
        ) from None


register(ClaudeCodeImporter())
register(CodexImporter())
register(OpenCodeImporter())
register(LedgerImporter())
register(anthropic_usage.IMPORTER)
register(anthropic_cost.IMPORTER)
register(console_usage.IMPORTER)
register(console_cost.IMPORTER)
register(openai_usage.IMPORTER)
register(openai_costs.IMPORTER)
