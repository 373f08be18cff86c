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
from fulcrum.usage.importers.anthropic_cost import AnthropicCostImporter
from fulcrum.usage.importers.anthropic_usage import AnthropicUsageImporter
from fulcrum.usage.importers.claude_code import ClaudeCodeImporter
from fulcrum.usage.importers.console_cost import ConsoleCostImporter
from fulcrum.usage.importers.console_usage import ConsoleUsageImporter
from fulcrum.usage.importers.ledger import LedgerImporter
from fulcrum.usage.importers.openai_costs import OpenAICostsImporter
from fulcrum.usage.importers.openai_usage import OpenAIUsageImporter
from fulcrum.usage.records import ImportContext, ImportLog, UsageRecord


class Importer(Protocol):
    name: str
    help: str

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
register(LedgerImporter())
register(AnthropicUsageImporter())
register(AnthropicCostImporter())
register(ConsoleUsageImporter())
register(ConsoleCostImporter())
register(OpenAIUsageImporter())
register(OpenAICostsImporter())
