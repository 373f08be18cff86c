"""Kept responses as a gateway extension: the ``[responses]`` table, a kept response's
endpoints, and the step on the Responses path before routing (:func:`prepare`)."""

from __future__ import annotations

from functools import partial
from typing import Any

from aiohttp import web

from fulcrum.gateway.extensions import ExtensionContext, InboundHook
from fulcrum.gateway.upstream.formats import RESPONSES
from fulcrum.responsestate.config import KEY, KeepConfig, parse_keep
from fulcrum.responsestate.endpoints import add_routes
from fulcrum.responsestate.keeping import prepare
from fulcrum.tables import Table


class KeepExtension:
    key = KEY

    def parse(self, table: Table, context: ExtensionContext) -> KeepConfig:
        return parse_keep(table)

    def add_routes(self, app: web.Application) -> None:
        add_routes(app)

    def inbound_hooks(self, config: KeepConfig | None) -> dict[Any, InboundHook]:
        """Every Responses request: continued and kept with ``store`` on, and told that
        ``previous_response_id`` needs it with ``store`` off."""
        return {RESPONSES: partial(prepare, config or KeepConfig())}

    def banner(self, config: KeepConfig | None, gateway: Any, url: str) -> list[str]:
        if config is None or not config.store:
            return []
        return [f"responses: kept {config.keep_days:g} days (previous_response_id)"]


EXTENSION = KeepExtension()
