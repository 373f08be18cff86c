"""Plain descriptions of transport failures, for error texts a user reads.

Error messages (a stream's ``error`` event, "no upstream could answer (...)") say what
happened in words, never an exception class name (``ClientPayloadError``).
"""

from __future__ import annotations

import aiohttp


def describe(exc: BaseException) -> str:
    """What ``exc`` means for a call to an upstream, in a few words."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the answer was cut off"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "cannot connect"
    if isinstance(exc, ConnectionResetError):
        return "the connection was reset"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"an unreadable answer (HTTP {exc.status})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"connection error ({exc.strerror})"
    if isinstance(exc, aiohttp.ClientError | OSError):
        return "the connection failed"
    return "an unexpected error"
