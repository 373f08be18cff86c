"""The connection under the front's HTTP protocol: its transport, one timer, write pressure.

What an exchange needs of a connection (:class:`~fulcrum.gateway.inbound.frontreply.Connection`):
``send`` raises ``ConnectionResetError`` once the client is gone (as aiohttp's writer does), and
``drain`` waits while the client reads slower than the answer is written (the transport's
high-water mark). One deadline at a time serves the header, body and lingering timeouts, on
one timer that is moved lazily: a keep-alive connection re-arms its header deadline for every
request, and a timer cancelled and created each time cost more than the deadline's check
when the timer fires.
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
        self.timer: asyncio.TimerHandle | None = None  # fires at or before the deadline
        self.deadline = 0.0  # the loop's clock
        self.on_deadline: Callable[[], Any] | None = None  # None: nothing armed
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
        self._stop_timer()
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
        if self.task is None:
            self.close()

    @property
    def armed(self) -> bool:
        return self.on_deadline is not None

    def arm(self, delay: float, callback: Callable[[], Any]) -> None:
        """Call ``callback`` in ``delay`` seconds unless disarmed (or re-armed) before."""
        self.deadline = self.loop.time() + delay
        self.on_deadline = callback
        if self.timer is not None and self.timer.when() > self.deadline:
            self.timer.cancel()  # a sooner deadline than the timer's: move the timer
            self.timer = None
        if self.timer is None:
            self.timer = self.loop.call_at(self.deadline, self._fire)

    def disarm(self) -> None:
        self.on_deadline = None  # the timer, if any, finds nothing to do when it fires

    def _stop_timer(self) -> None:
        self.disarm()
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _fire(self) -> None:
        self.timer = None
        callback = self.on_deadline
        if callback is None:
            return
        if self.loop.time() < self.deadline:  # re-armed later since the timer was set
            self.timer = self.loop.call_at(self.deadline, self._fire)
            return
        self.on_deadline = None
        callback()

    def close(self) -> None:
        self._stop_timer()
        if self.transport is not None:
            self.transport.close()

    def close_idle(self) -> None:
        """Close the connection now unless a request on it is being answered."""
        if self.task is None:
            self.close()
