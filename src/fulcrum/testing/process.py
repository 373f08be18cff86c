"""Start a server process on loopback, wait until it answers, and stop it with its children.

The process runs in its own process group (``start_new_session``) so that stopping it also stops
whatever it spawned (npm wrappers, worker processes). Its output goes to a log file, whose tail is
put into the error when the server dies or does not come up in time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


class ServerStartError(RuntimeError):
    """The server exited or did not answer its health check in time."""


class ServerProcess:
    """A server child process; use as a context manager or call :meth:`start` / :meth:`stop`.

    It counts as started when ``GET health`` answers 2xx, or any HTTP status with ``any_status``
    (for servers without a health endpoint).
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        port: int,
        health: str = "/health",
        env: Mapping[str, str] | None = None,
        log: Path,
        start_timeout: float = 60.0,
        cwd: Path | None = None,
        any_status: bool = False,
    ) -> None:
        self.argv = list(argv)
        self.port = port
        self.health = health
        self.env = dict(env) if env is not None else None
        self.log = log
        self.start_timeout = start_timeout
        self.cwd = cwd
        self.any_status = any_status
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> Self:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("wb")
        self._proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        url = self.base_url + self.health
        while True:
            assert self._proc is not None
            code = self._proc.poll()
            if code is not None:
                raise ServerStartError(f"{self.argv[0]} exited with {code}: {self.log_tail()}")
            if _answers(url, any_status=self.any_status):
                return
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"{self.argv[0]} did not answer {url} within {self.start_timeout:g}s: "
                    f"{self.log_tail()}"
                )
            time.sleep(0.05)

    def log_tail(self, limit: int = 2000) -> str:
        try:
            data = self.log.read_bytes()
        except OSError:
            return "(no log)"
        return data[-limit:].decode("utf-8", "replace").strip() or "(empty log)"

    def stop(self, timeout: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout)
        if proc is not None:
            # Children that outlived the leader (e.g. worker processes) go too.
            _signal_group(proc.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _answers(url: str, *, any_status: bool) -> bool:
    """True when ``url`` answers 2xx (or anything at all, with ``any_status``)."""
    try:
        with urllib.request.urlopen(url, timeout=1.0) as resp:
            return 200 <= int(resp.status) < 300
    except urllib.error.HTTPError:
        return any_status
    except (OSError, ValueError):
        return False
