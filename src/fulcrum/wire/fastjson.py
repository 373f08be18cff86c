"""JSON on the metering path, with orjson.

The gateway parses every upstream answer for its usage and writes every ledger row's
attempts (and, with the routing brain, its decision) as JSON: several microseconds a call
each with :mod:`json`, a fraction of that with orjson, on the event loop's thread.

What orjson refuses and :mod:`json` accepts (a lone surrogate escape, ``NaN``, a number
beyond a double; an integer beyond 64 bits or a non-string key to write) falls back to
:mod:`json`. One difference stays: orjson reads an integer beyond 64 bits as a float (no
token count or status is one). Client request bodies keep :mod:`json`'s parser, whose
results their checks are written against.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson


def loads(data: bytes | str) -> Any:
    """Parse JSON text; ``ValueError`` when it is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def dumps(obj: Any, *, default: Callable[[Any], Any] | None = None) -> str:
    """Compact JSON text (no spaces); ``default`` turns other objects into JSON types."""
    try:
        return orjson.dumps(obj, default=default).decode()
    except TypeError:
        return json.dumps(obj, separators=(",", ":"), default=default)
