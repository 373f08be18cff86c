"""``[responses]``: whether the gateway keeps Responses answers, and for how long."""

from __future__ import annotations

from dataclasses import dataclass

from fulcrum.tables import Table

KEY = "responses"
DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class KeepConfig:
    store: bool = False  # off by default: a kept response holds the conversation's text
    keep_days: float = 30.0  # OpenAI keeps a stored response 30 days

    @property
    def keep_s(self) -> float:
        return self.keep_days * DAY_S


def parse_keep(table: Table) -> KeepConfig:
    table.only("store", "keep_days")
    return KeepConfig(
        store=table.flag("store", False),
        keep_days=table.number("keep_days", 30.0, low=0.001, high=3650.0),
    )
