"""HTTP URLs given on the command line: checked once where they come in, and shown without
their secrets wherever they go out (errors, logs, reports).

- :func:`http_url`: ``http://`` or ``https://``, a host, a port in range; anything else is one
  :class:`~fulcrum.errors.InputError` naming the flag (exit 2), the URL shown redacted.
- :func:`redact_url`: a URL with its password (``user:PASSWORD@``) and the values of its query
  string (``?api_key=…``) replaced by ``***``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fulcrum.errors import InputError

SCHEMES = ("http", "https")
_PASSWORD = re.compile(r"(://[^:/@]+:)[^/?#]*@")  # to the netloc's last @, as urlsplit reads it
_QUERY_VALUE = re.compile(r"([?&][^=&#]*=)[^&#]*")
_KEYWORD_PASSWORD = re.compile(r"(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)")  # libpq form


def redact_url(url: str) -> str:
    """The URL with any password (``user:PW@``, ``password=PW`` in a libpq keyword string)
    and every query value replaced by ``***``."""
    url = _KEYWORD_PASSWORD.sub(r"\1***", url)
    return _QUERY_VALUE.sub(r"\1***", _PASSWORD.sub(r"\1***@", url))


def is_http_url(value: str) -> bool:
    """``http://`` or ``https://``, a host, and a port in range when one is given."""
    try:
        parts = urlsplit(value.strip())
        _ = parts.port  # out of range or not a number: ValueError
    except ValueError:
        return False
    return parts.scheme in SCHEMES and bool(parts.hostname)


def http_url(value: str, flag: str) -> str:
    """``value`` checked as an HTTP base URL, without a trailing ``/``."""
    accepted = "an http:// or https:// URL with a host, like http://127.0.0.1:8787"
    if not is_http_url(value):
        raise InputError(f"{flag}: expected {accepted}, got {redact_url(value)!r}")
    return value.strip().rstrip("/")
