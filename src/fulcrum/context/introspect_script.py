"""Introspection run inside the target interpreter (standard library only; no fulcrum import).

``python introspect_script.py object NAME`` prints one JSON object describing a dotted name;
``python introspect_script.py package NAME [MAX_MODULES]`` prints the public API of an
installed package (one entry per module-level class and function and per public method);
``python introspect_script.py version NAME`` its distribution and version, importing nothing.
Run as a separate process so imports with side effects, or that crash, never touch the server,
and so the names resolve in the project's environment, not fulcrum's.

An attribute's ``value`` is shown only for plain data (``str``, ``bytes``, ``int``, ``float``,
``bool``, ``None``, and a tuple, list or frozenset of those, capped): never the repr of a
mapping (``os.environ``), a module, a function or another object, whose repr is theirs to
choose and may hold anything. Its ``type`` is always named.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata as md
import importlib.util
import inspect
import itertools
import json
import os
import pkgutil
import platform
import sys
from typing import Any

DOC_CHARS = 4000
VALUE_CHARS = 300  # an attribute's repr, cut
VALUE_ITEMS = 100  # the items of a tuple, list or frozenset shown in its value
PLAIN = (str, bytes, int, float, bool, type(None))  # exactly these types: no subclass's repr

if sys.path and os.path.dirname(os.path.abspath(__file__)) == os.path.abspath(sys.path[0]):
    del sys.path[0]  # fulcrum's own modules (store.py, web.py ...) must not shadow the project's


def _version(module_name: str) -> tuple[str | None, str | None]:
    """The distribution and its version; for a standard-library module ``python-X.Y.Z`` (as
    ``version`` keys it: ``json.__version__`` is json's own 2.0.9), else ``__version__``."""
    top = module_name.split(".", maxsplit=1)[0]
    for dist in md.packages_distributions().get(top, []):
        try:
            return dist, md.version(dist)
        except md.PackageNotFoundError:
            continue
    if top in getattr(sys, "stdlib_module_names", ()):
        return None, f"python-{platform.python_version()}"
    return None, getattr(sys.modules.get(top), "__version__", None)


def _doc(obj: Any) -> str:
    """Its docstring; none for a value whose ``__doc__`` is its type's (``os.sep`` is a str)."""
    if _kind(obj) == "attribute" and getattr(obj, "__doc__", None) == type(obj).__doc__:
        return ""
    return inspect.getdoc(obj) or ""


def _resolve(name: str) -> tuple[Any, str]:
    """The object and the module it was found in: the longest importable prefix of ``name``
    (an import that fails for another reason, a missing dependency, is reported as it is)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        try:
            obj: Any = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
                continue
            raise
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj, ".".join(parts[:cut])
    raise ImportError(f"no module named {parts[0]!r}")


def _kind(obj: Any) -> str:
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if inspect.isroutine(obj):
        return "function"
    return "attribute"


def _signature(obj: Any) -> str | None:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return None


def _where(obj: Any) -> tuple[str | None, int | None]:
    """Source file and first line; for a frozen module (``posixpath``) its ``__file__`` and
    the code object's first line, since ``inspect`` finds no source there."""
    try:
        target = inspect.unwrap(obj)
        return inspect.getsourcefile(target), inspect.getsourcelines(target)[1]
    except (TypeError, OSError, ValueError):
        code = getattr(getattr(obj, "__func__", obj), "__code__", None)
        module = sys.modules.get(getattr(obj, "__module__", None) or "")
        file = getattr(module, "__file__", None)
        return (file, code.co_firstlineno) if code is not None and file else (None, None)


def _value(obj: Any) -> dict[str, str]:
    """``type`` always; ``value``, the repr cut, only for plain data (see the docstring)."""
    found = {"type": f"{type(obj).__module__}.{type(obj).__qualname__}"}
    if type(obj) in (tuple, list, frozenset) and all(type(item) in PLAIN for item in obj):
        obj = type(obj)(itertools.islice(obj, VALUE_ITEMS))
    elif type(obj) not in PLAIN:
        return found
    with contextlib.suppress(ValueError):  # an int past sys.get_int_max_str_digits()
        found["value"] = repr(obj)[:VALUE_CHARS]
    return found


def describe(name: str) -> dict[str, Any]:
    obj, module = _resolve(name)
    dist, version = _version(module)
    file, line = _where(obj)
    doc = _doc(obj)
    members = []
    if inspect.ismodule(obj) or inspect.isclass(obj):
        for member, value in sorted(vars(obj).items()):
            if not member.startswith("_") and (inspect.isclass(value) or inspect.isroutine(value)):
                summary = (inspect.getdoc(value) or "").strip().split("\n")[0]
                members.append({"name": member, "kind": _kind(value), "summary": summary[:160]})
    return {
        "name": name, "kind": _kind(obj), "module": module, "signature": _signature(obj),
        "doc": doc[:DOC_CHARS], "file": file, "line": line, "distribution": dist,
        "version": version, "members": members[:100],
        **(_value(obj) if _kind(obj) == "attribute" else {}),
    }  # fmt: skip


def _entries(module: Any) -> list[dict[str, Any]]:
    out = []
    for attr, value in sorted(vars(module).items()):
        if attr.startswith("_") or getattr(value, "__module__", None) != module.__name__:
            continue
        if inspect.isclass(value) or inspect.isroutine(value):
            out.append(_entry(f"{module.__name__}.{attr}", value))
            if inspect.isclass(value):
                out += [
                    _entry(f"{module.__name__}.{attr}.{m}", v)
                    for m, v in sorted(vars(value).items())
                    if not m.startswith("_") and inspect.isroutine(v)
                ]
    return out


def _entry(qualname: str, value: Any) -> dict[str, Any]:
    file, line = _where(value)
    return {
        "name": qualname, "kind": _kind(value), "signature": _signature(value) or "",
        "doc": (inspect.getdoc(value) or "")[:DOC_CHARS], "file": file, "line": line,
    }  # fmt: skip


def package(name: str, max_modules: int) -> dict[str, Any]:
    root = importlib.import_module(name)
    modules = [root]
    for info in pkgutil.walk_packages(getattr(root, "__path__", []), name + "."):
        if len(modules) >= max_modules:
            break
        if any(p.startswith("_") or p in ("tests", "test") for p in info.name.split(".")[1:]):
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except Exception:  # a module that fails to import is skipped
            continue
    dist, version = _version(name)
    entries = [e for m in modules for e in _entries(m)]
    return {"package": name, "distribution": dist, "version": version, "entries": entries}


def installed(name: str) -> dict[str, Any]:
    """The distribution and version that provide module ``name``, without importing it (the
    interpreter's version for a standard-library module)."""
    if importlib.util.find_spec(name) is None:
        raise ModuleNotFoundError(f"No module named {name!r}")
    top = name.split(".", maxsplit=1)[0]
    for dist in md.packages_distributions().get(top, []):
        try:
            return {"distribution": dist, "version": md.version(dist)}
        except md.PackageNotFoundError:
            continue
    return {"distribution": None, "version": None, "python": platform.python_version()}


MODES = {
    "object": lambda argv: describe(argv[2]),
    "package": lambda argv: package(argv[2], int(argv[3])),
    "version": lambda argv: installed(argv[2]),
}


def main(argv: list[str]) -> int:
    """Print one JSON object; what imported code prints goes to stderr, not into it."""
    mode = argv[1]
    out = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr):
            result = MODES[mode](argv)
    except (Exception, SystemExit) as exc:  # reported to the caller as JSON
        result = {"error": f"{type(exc).__name__}: {exc}"}
    out.write(json.dumps(result, default=str))
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
