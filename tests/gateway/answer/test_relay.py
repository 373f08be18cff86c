"""The stream relay's writes to the client: an upstream stream whose last bytes are already
in goes out with the stream's end in one write; one still arriving goes out as it comes."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from typing import ClassVar

import pytest
from aiohttp.test_utils import TestClient, TestServer

from fulcrum.gateway.app import build_app
from fulcrum.gateway.config import load_config
from fulcrum.gateway.inbound.frontconn import FrontConnection
from fulcrum.testing.gateway import local_config, running_gateway

from ..helpers import HI, sse_events

EVENTS = [
    {"id": "c1", "object": "chat.completion.chunk", "model": "m",
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}]},
    {"id": "c1", "object": "chat.completion.chunk", "model": "m",
     "choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": "stop"}]},
    {"id": "c1", "object": "chat.completion.chunk", "model": "m", "choices": [],
     "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}},
]  # fmt: skip
STREAM = [b"data: %s\n\n" % json.dumps(e).encode() for e in EVENTS] + [b"data: [DONE]\n\n"]


class _Upstream(socketserver.BaseRequestHandler):
    """An OpenAI-format upstream that sends a stream in the pieces the test names, with a
    pause between them, each piece in one write."""

    pieces: ClassVar[list[bytes]] = []

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            body += sock.recv(65536)
        sock.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                     b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n")  # fmt: skip
        for n, piece in enumerate(self.pieces):
            last = n == len(self.pieces) - 1
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) + (b"0\r\n\r\n" if last else b""))
            time.sleep(0 if last else 0.15)


@pytest.fixture
def upstream() -> Iterator[tuple[str, type[_Upstream]]]:
    handler = type("Handler", (_Upstream,), {"pieces": []})
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
        server.shutdown()


@pytest.mark.parametrize(
    ("pieces", "writes"),
    [
        ([b"".join(STREAM)], 1),  # all in at once: head, events and end in one write
        ([STREAM[0], b"".join(STREAM[1:])], 2),  # the first event, then the rest with the end
    ],
)
def test_the_last_bytes_go_out_with_the_streams_end(
    upstream: tuple[str, type[_Upstream]],
    monkeypatch: pytest.MonkeyPatch,
    pieces: list[bytes],
    writes: int,
) -> None:
    url, handler = upstream
    handler.pieces = pieces
    sent: list[bytes] = []
    real_send = FrontConnection.send

    def send(self: FrontConnection, data: bytes) -> None:
        sent.append(data)
        real_send(self, data)

    monkeypatch.setattr(FrontConnection, "send", send)
    with running_gateway(local_config(url, "m")) as gw:
        body = {"model": "m", "messages": HI, "stream": True,
                "stream_options": {"include_usage": True}}  # fmt: skip
        events = [data for _, data in sse_events(gw, "/v1/chat/completions", body)]
    assert len(sent) == writes, sent
    assert sent[0].startswith(b"HTTP/1.1 200") and sent[-1].endswith(b"\r\n0\r\n\r\n")
    assert events[-1] == "[DONE]"
    texts = [json.loads(d)["choices"][0]["delta"]["content"] for d in events[:2]]
    assert texts == ["Hel", "lo"] and json.loads(events[2])["usage"]["completion_tokens"] == 2


async def test_inside_the_aiohttp_app_the_stream_ends_whole_too(
    upstream: tuple[str, type[_Upstream]],
) -> None:
    """Without the front (an aiohttp test client), the last bytes and the end go through
    aiohttp's ``write_eof``."""
    url, handler = upstream
    handler.pieces = [STREAM[0], b"".join(STREAM[1:])]
    app = build_app(load_config(text=local_config(url, "m"), env={}))
    body = {"model": "m", "messages": HI, "stream": True}
    async with TestClient(TestServer(app)) as client:
        resp = await client.post("/v1/chat/completions", json=body)
        raw = await resp.read()
    assert resp.status == 200
    assert raw.endswith(b"data: [DONE]\n\n") and raw.count(b"data: ") == 3  # usage stripped
