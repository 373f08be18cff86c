"""The connection under the front's HTTP protocol: its transport, one timer, write pressure.

What an exchange needs of a connection (:class:`~fulcrum.gateway.inbound.frontreply.Connection`):
``send`` raises ``ConnectionResetError`` once the client is gone (as aiohttp's writer does), and
``drain`` waits while the client reads slower than the answer is written (the transport's
high-water mark). One timer at a time serves the header, body and lingering deadlines.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from fulcrum.gateway.inbound.front import Front


class FrontConnection(asyncio.Protocol):
    def __init__(self, front: Front) -> None:
        self.front = front
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.task: asyncio.Task[None] | None = None  # the request being answered
        self.timer: asyncio.TimerHandle | None = None
        self.writable: asyncio.Future[None] | None = None  # set while the client reads slowly
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods
        self.transport = cast(asyncio.Transport, transport)
        self.front.connections.add(self)
        self.wait_for_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.front.connections.discard(self)
        self.disarm()
        self.resume_writing()  # a writer waiting to drain wakes and finds the client gone

    def pause_writing(self) -> None:
        if self.writable is None or self.writable.done():
            self.writable = self.loop.create_future()

    def resume_writing(self) -> None:
        if self.writable is not None and not self.writable.done():
            self.writable.set_result(None)

    def send(self, data: bytes) -> None:
        if self.closed or self.transport is None or self.transport.is_closing():
            raise ConnectionResetError("client closed the connection")
        self.transport.write(data)

    async def drain(self) -> None:
        if self.writable is not None and not self.writable.done():
            await self.writable
            if self.closed:
                raise ConnectionResetError("client closed the connection")

    def wait_for_request(self) -> None:
        """Close the connection unless a request's headers are complete within the timeout."""
        self.arm(self.front.server.header_timeout_s, self.idle_timeout)

    def idle_timeout(self) -> None:
        self.timer = None
        if self.task is None:
            self.close()

    def arm(self, delay: float, callback: Callable[[], Any]) -> None:
        self.disarm()
        self.timer = self.loop.call_later(delay, callback)

    def disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def close(self) -> None:
        self.disarm()
        if self.transport is not None:
            self.transport.close()

    def close_idle(self) -> None:
        """Close the connection now unless a request on it is being answered."""
        if self.task is None:
            self.close()
