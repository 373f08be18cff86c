from __future__ import annotations

import importlib.metadata as md
import json
import os
import platform
from pathlib import Path
from typing import Any

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


def _site(tmp_path: Path, files: dict[str, str]) -> Path:
    """A folder of modules, put on the child's path through ``PYTHONPATH``."""
    for rel, text in files.items():
        (tmp_path / "site" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "site" / rel).write_text(text)
    return tmp_path / "site"


def test_a_module_that_prints_or_fails_on_import_is_reported_not_mistaken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(
        tmp_path,
        {
            "chatty.py": "print('hi')\ndef greet(name: str) -> str:\n    return name\n",
            "broken/__init__.py": "from . import inner\n",
            "broken/inner.py": "import not_installed_dependency_zz\n",
            "quitter.py": "import sys\nsys.exit(3)\n",
            "store.py": "MARKER = 1\ndef project_store():\n    return MARKER\n",
        },
    )
    monkeypatch.setenv("PYTHONPATH", str(site))
    assert pyapi.python_api("chatty.greet")["signature"] == "(name: str) -> str"
    assert pyapi.python_api("store.project_store")["file"] == str(site / "store.py")
    with pytest.raises(NotFound, match="not_installed_dependency_zz"):
        pyapi.python_api("broken.inner.thing")
    with pytest.raises(NotFound, match=r"name: 'quitter' .*SystemExit"):
        pyapi.python_api("quitter")


def test_a_missing_package_names_the_packages_argument(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"^packages: 'no_such_package_zz' not found"):
        pyapi.ensure_package(IndexStore(tmp_path / "api.sqlite3"), "no_such_package_zz", None)


def test_a_frozen_stdlib_function_still_has_its_file_and_line() -> None:
    found = pyapi.python_api("os.path.join")  # posixpath is frozen: inspect finds no source
    assert found["file"].endswith("path.py") and isinstance(found["line"], int)


def test_an_interpreter_that_is_gone_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"python: cannot run '.*no-python'"):
        pyapi.python_api("json.dumps", python=str(tmp_path / "no-python"))


def test_an_indexed_package_is_not_introspected_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = IndexStore(tmp_path / "api.sqlite3")
    key = pyapi.ensure_package(store, "platformdirs", None)
    modes: list[str] = []
    real = pyapi._run

    def spy(python: str, *args: str, **kwargs: Any) -> dict[str, Any]:
        modes.append(args[0])
        return real(python, *args, **kwargs)

    monkeypatch.setattr(pyapi, "_run", spy)
    assert pyapi.ensure_package(store, "platformdirs", None) == key
    assert modes == [
        "version"
    ]  # the version is checked; the package's 300 modules are not imported
    stdlib = pyapi.ensure_package(store, "json", None)
    assert (
        stdlib.startswith("json==python-") and pyapi.ensure_package(store, "json", None) == stdlib
    )
    assert modes.count("package") == 1


def test_a_value_has_no_docstring_of_its_type_and_shows_its_value() -> None:
    found = pyapi.python_api("os.sep")
    assert found["kind"] == "attribute" and found["doc"] == "" and found["value"] == repr(os.sep)
    documented = pyapi.python_api("json.JSONDecoder.decode")
    assert documented["doc"].startswith("Return the Python representation")


def test_a_standard_library_name_reports_the_python_version() -> None:
    found = pyapi.python_api("json.JSONDecoder.decode")  # json has its own __version__: 2.0.9
    python = f"python-{platform.python_version()}"
    assert found["distribution"] is None and found["version"] == python
    assert pyapi.version_key("json") == f"json=={python}"


SECRET = "sk-ant-PYAPILEAK-0123456789"


def test_the_child_inherits_no_secret_from_the_server_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path, {"leaky.py": "import os\nKEY = os.environ.get('ANTHROPIC_API_KEY')\n"})
    monkeypatch.setenv("PYTHONPATH", str(site))  # kept: the project's packages are found
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    assert pyapi.python_api("leaky.KEY")["value"] == "None"
    assert "ANTHROPIC_API_KEY" not in pyapi.child_env()


def test_a_value_is_shown_only_for_plain_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(
        tmp_path,
        {
            "values.py": "class Loud:\n    def __repr__(self):\n        return 'LOUD-REPR'\n"
            "OBJ = Loud()\nMAPPING = {'key': 'MAPPED'}\nPLAIN = (1, 2.5, 'x', None, b'y')\n"
            "BIG = list(range(10_000))\nNESTED = [{'key': 'INNER'}]\n"
        },
    )
    monkeypatch.setenv("PYTHONPATH", str(site))
    assert pyapi.python_api("values.PLAIN")["value"] == "(1, 2.5, 'x', None, b'y')"
    big = pyapi.python_api("values.BIG")
    assert big["value"].startswith("[0, 1, 2,") and len(big["value"]) == 300
    for name, hidden in [("OBJ", "LOUD"), ("MAPPING", "MAPPED"), ("NESTED", "INNER")]:
        found = pyapi.python_api(f"values.{name}")
        assert "value" not in found and hidden not in json.dumps(found), name
    environ = pyapi.python_api("os.environ")
    assert environ["type"] == "os._Environ" and "value" not in environ
    assert os.environ["PATH"] not in json.dumps(pyapi.python_api("posix.environ"))


def test_a_module_whose_import_runs_a_program_is_refused_before_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = tmp_path / "ran"
    site = _site(
        tmp_path,
        {"tool/__init__.py": "", "tool/__main__.py": f"open({str(ran)!r}, 'w').close()\n"},
    )
    monkeypatch.setenv("PYTHONPATH", str(site))
    for name in ("tool.__main__", "tool.__main__.main", "antigravity", "antigravity.geohash"):
        with pytest.raises(InputError, match=rf"^name: {name!r} .*importing it runs a program"):
            pyapi.python_api(name)
    with pytest.raises(InputError, match=r"^packages: 'this' "):
        pyapi.ensure_package(IndexStore(tmp_path / "api.sqlite3"), "this", None)
    assert not ran.exists()
    assert pyapi.python_api("tool")["kind"] == "module"  # the package itself is fine
