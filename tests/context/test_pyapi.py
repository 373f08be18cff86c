from __future__ import annotations

import importlib.metadata as md
from pathlib import Path

import pytest

from fulcrum.context import pyapi
from fulcrum.context.search import search
from fulcrum.context.store import IndexStore
from fulcrum.errors import InputError, NotFound


def test_python_api_reports_the_installed_version_and_source() -> None:
    found = pyapi.python_api("typer.Option")
    assert found["distribution"] == "typer" and found["version"] == md.version("typer")
    assert found["kind"] == "function" and "help" in found["signature"]
    assert found["file"].endswith(".py") and isinstance(found["line"], int)


def test_python_api_lists_a_module_members() -> None:
    found = pyapi.python_api("json")
    assert found["kind"] == "module"
    assert {"dumps", "loads"} <= {m["name"] for m in found["members"]}


def test_bad_names_are_errors_naming_the_argument() -> None:
    with pytest.raises(InputError, match="name: 'json dumps'"):
        pyapi.python_api("json dumps")
    with pytest.raises(NotFound, match=r"name: 'json\.nope' not found"):
        pyapi.python_api("json.nope")


def test_package_api_is_indexed_once_per_version(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "api.sqlite3")
    key = pyapi.ensure_package(store, "platformdirs", None)
    assert key == f"platformdirs=={md.version('platformdirs')}"
    hits = search(store, None, "user data dir", limit=10, mode="lexical")
    assert any(h.symbol.endswith("user_data_dir") for h in hits)
    assert "platformdirs==" in hits[0].text
    before = store.counts()
    assert pyapi.ensure_package(store, "platformdirs", None) == key
    assert store.counts() == before
