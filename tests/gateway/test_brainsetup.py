"""The brain as the gateway builds it from its config: ``[routes] sticky_cache_s`` reaches the
session pins kept in the ledger database."""

from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.gateway.app import ledger_pricer
from fulcrum.gateway.brainsetup import build_brain
from fulcrum.gateway.config import load_config
from fulcrum.routing.budget import open_database
from fulcrum.routing.sessions import SessionPin, session_store

from .brain.helpers import brain_config

LOCAL = SessionPin("local", "qwen-local", "local", None, "learned")
FRONTIER = SessionPin("frontier", "claude-sonnet-4-6", "frontier", None, "handoff:x")


@pytest.mark.parametrize(("cache_s", "seen"), [(0, FRONTIER), (60, LOCAL)])
def test_sticky_cache_s_decides_how_late_another_gateways_pin_is_seen(
    tmp_path: Path, cache_s: int, seen: SessionPin
) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    text = brain_config("http://127.0.0.1:9", "http://127.0.0.1:9", '[policy]\notherwise = "local"',
                        ledger_url=url)  # fmt: skip
    config = load_config(text=text.replace("[routes]", f"[routes]\nsticky_cache_s = {cache_s}"))
    assert config.routes is not None and config.routes.sticky_cache_s == cache_s
    db = open_database(url)
    brain = build_brain(config, ledger_pricer(config, None), db)
    assert brain is not None
    brain.sessions.put("s1", "main", LOCAL)
    assert _where(brain.sessions.get("s1", "main")) == _where(LOCAL)
    session_store(open_database(url)).put("s1", "main", FRONTIER)  # another gateway re-pins
    assert _where(brain.sessions.get("s1", "main")) == _where(seen)


def _where(pin: SessionPin | None) -> tuple[str, str | None] | None:
    return None if pin is None else (pin.backend, pin.model)
