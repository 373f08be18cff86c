"""One error hierarchy for the whole project.

Every error knows its HTTP status and how to render itself as an Anthropic- or
OpenAI-shaped error body; the CLI maps any :class:`FulcrumError` to one line on
stderr and exit code 2 (bad input) or 1 (everything else). Mapping happens in one
place each: :func:`fulcrum.cli.main` for the CLI, the gateway's error middleware
for HTTP.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar


class FulcrumError(Exception):
    """Base of every error fulcrum raises on purpose."""

    status: ClassVar[int] = 500
    anthropic_type: ClassVar[str] = "api_error"
    openai_type: ClassVar[str] = "server_error"
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param

    @property
    def client_message(self) -> str:
        """What an HTTP client is told: the message, unless it says what a client must not
        see (a subclass's choice)."""
        return self.message

    def anthropic_body(self) -> dict[str, Any]:
        return {
            "type": "error",
            "error": {"type": self.anthropic_type, "message": self.client_message},
        }

    def openai_body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.client_message,
                "type": self.openai_type,
                "param": self.param,
                "code": self.openai_code(),
            }
        }

    def openai_code(self) -> str | None:
        return None

    def headers(self) -> dict[str, str]:
        """Response headers the error needs besides its body (``retry-after``, ``allow``)."""
        return {}


class InputError(FulcrumError):
    """Bad input from a user: a file, a flag, a request body. CLI exit code 2."""

    status = 400
    anthropic_type = "invalid_request_error"
    openai_type = "invalid_request_error"
    exit_code = 2


class ConfigError(InputError):
    """A bad configuration or scenario file; names the file, the field and what is accepted."""

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None) -> None:
        parts = [p for p in (file, field) if p]
        full = ": ".join([*parts, message])
        super().__init__(full, param=field)
        self.file = file
        self.field = field
        self.detail = message


class InvalidRequest(InputError):
    """An HTTP request the gateway cannot accept (malformed JSON, wrong types...)."""

    @classmethod
    def unknown_field(cls, key: object, accepted: Sequence[str], where: str = "") -> InvalidRequest:
        """A body field no endpoint reads, with the closest accepted one as a suggestion;
        ``where``: the part of the body it is in (``requests[3]``), before the message."""
        message = (f"{key}: unknown field; {did_you_mean(str(key), accepted)}accepted: "
                   f"{', '.join(accepted)}")  # fmt: skip
        return cls(f"{where}: {message}" if where else message, param=str(key))

    @classmethod
    def check_fields(cls, body: Iterable[str], accepted: Sequence[str], where: str = "") -> None:
        """Raise :meth:`unknown_field` for the first key of ``body`` not in ``accepted``."""
        for key in body:
            if key not in accepted:
                raise cls.unknown_field(key, accepted, where)


def did_you_mean(key: str, accepted: Sequence[str]) -> str:
    """``did you mean `NEAR`? `` for the accepted name closest to ``key``, else ``""``."""
    close = difflib.get_close_matches(key, list(accepted), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`? " if close else ""


class NotFound(InputError):
    status = 404
    anthropic_type = "not_found_error"
    openai_type = "invalid_request_error"

    def openai_code(self) -> str | None:
        """OpenAI's code for an unknown model; its 404s for other objects carry none."""
        return "model_not_found" if self.param == "model" else None


class Conflict(InputError):
    """A request the object's state refuses (cancelling a batch that has ended)."""

    status = 409


class RequestTooLarge(InputError):
    status = 413
    anthropic_type = "request_too_large"
    openai_type = "invalid_request_error"


class MethodNotAllowed(InputError):
    status = 405

    def __init__(self, message: str, *, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.allowed = allowed

    def headers(self) -> dict[str, str]:
        return {"allow": ", ".join(self.allowed)} if self.allowed else {}


class RequestTimeout(InputError):
    """The client did not send its request (headers or body) in time; the connection closes."""

    status = 408


class UnsupportedMediaType(InputError):
    status = 415


class AuthenticationError(FulcrumError):
    status = 401
    anthropic_type = "authentication_error"
    openai_type = "invalid_request_error"
    exit_code = 2

    def openai_code(self) -> str | None:
        return "invalid_api_key"


class PermissionDenied(FulcrumError):
    status = 403
    anthropic_type = "permission_error"
    openai_type = "invalid_request_error"
    exit_code = 2


class BackendKeyRefused(PermissionDenied):
    """A backend refused the gateway's own key (upstream 401/403): the operator must fix it.

    A 403 because clients do not retry it (SDKs and Claude Code retry 401, 408, 429 and 5xx),
    and the client's own key is not the problem.
    """

    def openai_code(self) -> str | None:
        return "backend_key_refused"


class RateLimited(FulcrumError):
    status = 429
    anthropic_type = "rate_limit_error"
    openai_type = "rate_limit_error"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def openai_code(self) -> str | None:
        return "rate_limit_exceeded"

    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return {}
        return {"retry-after": str(max(1, round(self.retry_after)))}


class UpstreamError(FulcrumError):
    """An upstream failed and no backend in the chain could answer."""

    status = 502
    anthropic_type = "api_error"
    openai_type = "server_error"


class UpstreamTimeout(UpstreamError):
    status = 504


class Overloaded(FulcrumError):
    status = 529
    anthropic_type = "overloaded_error"
    openai_type = "server_error"


class Unavailable(FulcrumError):
    """A component is not installed or not reachable (a database, a server binary)."""

    status = 503
    anthropic_type = "api_error"
    openai_type = "server_error"
