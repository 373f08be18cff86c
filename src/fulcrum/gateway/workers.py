"""Several gateway processes on one port: ``fulcrum serve --workers N``.

One Python process serves one core's worth of requests. With ``--workers N`` the parent
reserves the address, then forks N workers one after another; each builds its own gateway
(its own event loop, upstream connections and ledger writer) and listens on the same port
with ``SO_REUSEPORT``, so the kernel spreads new connections over them. The parent announces
the gateway once every worker serves, then supervises: a SIGTERM or SIGINT stops every worker
gracefully (each drains its requests and flushes its ledger rows, as one gateway does); a
worker that exits on its own, or fails to start, stops the others, and the parent exits with
its status for a service manager to restart the whole.

Workers share what must be shared the way gateways on several machines do: budgets, session
pins, feedback and the batch queue live in the PostgreSQL ledger, so more than one worker
needs a ``postgresql://`` ledger. What each keeps in memory is its own: its ``/metrics``, the
share controller's threshold (calibrated on the traffic it sees), the local queue depth the
latency SLO reads. ``/healthz`` names the worker's process id.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable
from types import FrameType

from fulcrum.errors import ConfigError, FulcrumError
from fulcrum.ledger.factory import shared_url
from fulcrum.urls import redact_url

FLAG = "--workers"
STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})
# Serve on the inherited, already bound port, then call ``ready`` (once) when listening.
Work = Callable[[Callable[[], None]], None]


def check_workers(count: int, ledger_url: str | None) -> None:
    """Refuse ``count`` workers where they could not share the gateway's state."""
    if count <= 1:
        return
    if not shared_url(ledger_url):
        got = redact_url(ledger_url) if ledger_url else "SQLite in the data directory"
        raise ConfigError(
            "several workers share budgets, session pins and the batch queue through a "
            "PostgreSQL ledger: give --ledger-url postgresql://... or [ledger] url "
            f"(got {got})",
            field=FLAG,
        )
    if not hasattr(os, "fork") or not hasattr(socket, "SO_REUSEPORT"):
        raise ConfigError("more than one worker needs Linux (fork and SO_REUSEPORT)", field=FLAG)


def reserve(host: str, port: int) -> socket.socket:
    """Bind (not listen on) ``host:port`` with ``SO_REUSEPORT``: the port, chosen here when
    it is 0, stays this process's while the workers listen on it."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot bind {host}:{port}: {exc.strerror}", field="server.port"
        ) from None
    return sock


class Supervisor:
    """Forks the workers, waits for each to serve, and stops them all together."""

    def __init__(self, count: int, work: Work) -> None:
        self.count = count
        self.work = work
        self.pids: dict[int, int] = {}  # process id -> worker number
        self.stopping = False

    def run(self, announce: Callable[[], None]) -> int:
        """Start every worker, ``announce`` once all serve, and wait; the exit status."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._stop)
        for number in range(self.count):
            if self.stopping:
                break
            failed = self._start(number)
            if failed is not None:
                self._stop()
                self._wait()
                return failed
        if self.stopping:  # a signal while they started: stop the ones that did
            self._stop()
        else:
            announce()
        return self._wait()

    def _start(self, number: int) -> int | None:
        """Fork worker ``number`` and wait until it serves; its status when it failed to."""
        read, write = os.pipe()
        # A stop signal waits until the worker has its own handlers and the parent knows its
        # pid: one arriving in between would run the parent's handler in the worker.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        pid = os.fork()
        if pid == 0:  # the worker
            os.close(read)
            _worker(self.work, write)
        os.close(write)
        self.pids[pid] = number
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        with os.fdopen(read, "rb") as ready:
            if ready.read(1):
                return None
        return None if self.stopping else self._reap(pid) or 1  # stopping: not a failure

    def _stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        self.stopping = True
        for pid in list(self.pids):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _wait(self) -> int:
        status = 0
        while self.pids:
            pid, raw = os.wait()
            number = self.pids.pop(pid, None)
            code = os.waitstatus_to_exitcode(raw)
            if number is None:
                continue
            if not self.stopping:
                print(f"fulcrum: worker {number} (pid {pid}) {_ended(code)}; stopping the "
                      "others", file=sys.stderr)  # fmt: skip
                self._stop()
                status = _status(code) or 1
            elif code not in (0, -signal.SIGTERM) and status == 0:  # ours: a clean stop
                status = _status(code)
        return status

    def _reap(self, pid: int) -> int:
        _, raw = os.waitpid(pid, 0)
        self.pids.pop(pid, None)
        return _status(os.waitstatus_to_exitcode(raw))


def _ended(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


def _status(code: int) -> int:
    """An exit code as a shell reports it (a signal's death as 128 + its number)."""
    return 128 - code if code < 0 else code


def _worker(work: Work, ready_fd: int) -> None:
    """The forked worker's life: serve, say when listening, and exit (never return)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # blocked across the fork

    def ready() -> None:
        os.write(ready_fd, b"1")
        os.close(ready_fd)

    code = 0
    try:
        work(ready)
    except FulcrumError as exc:
        print(f"fulcrum: error: {exc.message}", file=sys.stderr)
        code = exc.exit_code
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # a defect: show it, and let the parent stop the others
        import traceback  # noqa: PLC0415

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
