"""Run the real gateway on a free loopback port, for tests, evals and benchmarks.

``running_gateway(config)`` serves in a thread of this process (fast to start);
``running_gateway(config, subprocess=True)`` runs ``python -m fulcrum serve --config ...``
as a child process (what an operator runs; SIGTERM-able). Either way the server is
stopped, drained and its ledger flushed when the ``with`` block ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import signal
import subprocess as sp
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fulcrum.errors import Unavailable
from fulcrum.gateway.config import GatewayConfig, load_config

START_TIMEOUT_S = 30.0

# One local backend, named llama, priced by a [machine]; EXTRA: more tables (e.g. [batch]).
LOCAL_CONFIG = """
[machine]
price_usd = 2000
load_w = 300

[backends.llama]
format = "{fmt}"
base_url = "{url}"
kind = "local"
models = ["{model}"]
count_tokens = false

[routes]
default = "llama"
"""


def local_config(url: str, model: str, *, fmt: str = "openai", extra: str = "") -> str:
    """A gateway config routing everything to one local server (llama.cpp or a fake)."""
    return LOCAL_CONFIG.format(fmt=fmt, url=url, model=model) + extra


@dataclass
class RunningGateway:
    url: str
    config: GatewayConfig | None = None
    process: sp.Popen[str] | None = None
    output: list[str] = field(default_factory=list)
    _stop: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    def stop(self, timeout: float = 60.0) -> int | None:
        """Stop gracefully (SIGTERM for a subprocess); returns its exit code, if any."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except sp.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self._thread is not None:
                self._thread.join(5)
            return self.process.returncode
        if self._loop is not None and self._stop is not None and self._thread is not None:
            if self._thread.is_alive():
                self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)
        return None


def _config(config: str | GatewayConfig, env: Mapping[str, str]) -> GatewayConfig:
    cfg = config if isinstance(config, GatewayConfig) else load_config(text=config, env=env)
    return replace(cfg, server=replace(cfg.server, host="127.0.0.1", port=0))


@contextlib.contextmanager
def running_gateway(
    config: str | GatewayConfig,
    *,
    subprocess: bool = False,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> Iterator[RunningGateway]:
    """The gateway serving ``config`` (TOML text or a parsed config) on 127.0.0.1
    (``args``: more ``fulcrum serve`` flags, for a subprocess)."""
    env = dict(os.environ if env is None else env)
    if subprocess:
        if isinstance(config, GatewayConfig):
            raise TypeError("subprocess=True needs the config as TOML text")
        gateway = _start_process(config, env, args)
    else:
        gateway = _start_thread(_config(config, env))
    try:
        yield gateway
    finally:
        gateway.stop()


def _start_thread(config: GatewayConfig) -> RunningGateway:
    from fulcrum.gateway.serve import serve  # noqa: PLC0415 - keeps this module light

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, object] = {}

    def on_ready(url: str) -> None:
        box["url"] = url
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        stop = asyncio.Event()
        box["stop"] = stop
        try:
            loop.run_until_complete(serve(config, ready=on_ready, stop=stop, handle_signals=False))
        except BaseException as exc:
            box["error"] = exc
            ready.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="fulcrum-gateway", daemon=True)
    thread.start()
    if not ready.wait(START_TIMEOUT_S) or "error" in box:
        error = box.get("error")
        if isinstance(error, BaseException):
            raise error
        raise Unavailable("the gateway did not start within 30 s")
    stop = box["stop"]
    assert isinstance(stop, asyncio.Event)
    return RunningGateway(
        url=str(box["url"]), config=config, _stop=stop, _loop=loop, _thread=thread
    )


def _start_process(text: str, env: dict[str, str], args: Sequence[str] = ()) -> RunningGateway:
    folder = Path(tempfile.mkdtemp(prefix="fulcrum-gw-"))
    path = folder / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    cmd = [sys.executable, "-m", "fulcrum", "serve", "--config", str(path), "--port", "0", *args]
    env.setdefault("PYTHONUNBUFFERED", "1")
    proc = sp.Popen(cmd, stdout=sp.PIPE, stderr=sp.STDOUT, text=True, env=env)
    gateway = RunningGateway(url="", process=proc)
    timer = threading.Timer(START_TIMEOUT_S, proc.kill)
    timer.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            gateway.output.append(line.rstrip("\n"))
            if "listening on " in line:
                gateway.url = line.split("listening on ", 1)[1].strip()
                break
    finally:
        timer.cancel()
    if not gateway.url:
        proc.wait()
        raise Unavailable("fulcrum serve did not start: " + " | ".join(gateway.output[-5:]))
    gateway._thread = threading.Thread(target=_drain, args=(proc, gateway.output), daemon=True)
    gateway._thread.start()
    return gateway


def _drain(proc: sp.Popen[str], output: list[str]) -> None:
    """Keep reading the child's output so a full pipe never blocks it."""
    assert proc.stdout is not None
    for line in proc.stdout:
        output.append(line.rstrip("\n"))
    proc.stdout.close()


def post_json(
    gw: RunningGateway, path: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """A raw POST (status, lower-cased headers, body) with no SDK in between."""
    url = urlsplit(gw.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        conn.request(
            "POST", path, body=data, headers={"content-type": "application/json", **(headers or {})}
        )
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()
