"""One walk down a route chain: what each step of it needs, and what the steps leave."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from yarl import URL

from fulcrum.gateway.upstream.attempts import AttemptLog
from fulcrum.gateway.upstream.backends import Backend
from fulcrum.gateway.upstream.tries import Retry
from fulcrum.routing.request import header_session
from fulcrum.routing.router import RouteTarget

BodyBuilder = Callable[[Backend, RouteTarget], bytes]


@dataclass(slots=True)
class Walk:
    """One walk down a route chain: what each step needs, and what the steps leave."""

    build: BodyBuilder
    client_headers: Mapping[str, str]
    stream: bool
    url: Callable[[Backend], str | URL] | None
    log: AttemptLog
    session: str | None = None  # a pool keeps a session on its replica
    last: Retry | None = None  # the last failure, which shapes the chain's error
    overloaded: str | None = None  # a full pool's refusal, when nothing failed after it
    attempts: int = 0

    def session_id(self) -> str | None:
        """The session a pool keeps on its replica: given, else from the session headers."""
        if self.session is None:
            headers = self.client_headers
            self.session = header_session(headers)
        return self.session

    def endpoint(self, backend: Backend) -> str | URL:
        if self.url is not None:
            return self.url(backend)
        return backend.chat_target or backend.chat_url
