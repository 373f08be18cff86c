"""ServerProcess: waits for health, reports a dead server with its log, stops the process group."""

from __future__ import annotations

import os
import socket
import sys
import textwrap
import time
from pathlib import Path

import pytest

from fulcrum.testing.process import ServerProcess, ServerStartError, free_port

SERVER = textwrap.dedent(
    """
    import http.server, subprocess, sys
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print("child", child.pid, flush=True)
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            code = 200 if self.path == "/health" else 404
            self.send_response(code); self.end_headers(); self.wfile.write(b"ok")
        def log_message(self, *a): pass
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited though.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_starts_waits_for_health_and_kills_children(tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-c", SERVER, str(port)]
    with ServerProcess(argv, port=port, log=tmp_path / "s.log", start_timeout=20) as server:
        assert server.base_url == f"http://127.0.0.1:{port}"
        leader = server.pid
        assert leader is not None
        child = int((tmp_path / "s.log").read_text().split()[1])
        assert _alive(leader)
        assert _alive(child)
    assert server.pid is None
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(child)


def test_any_status_accepts_a_404_health(tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-c", SERVER, str(port)]
    proc = ServerProcess(
        argv, port=port, health="/nope", any_status=True, log=tmp_path / "s.log", start_timeout=20
    )
    with proc:
        assert proc.pid is not None


def test_dead_server_raises_with_log_tail(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; print('bad flag --frobnicate'); sys.exit(3)"]
    proc = ServerProcess(argv, port=free_port(), log=tmp_path / "s.log", start_timeout=20)
    with pytest.raises(ServerStartError, match=r"exited with 3: bad flag --frobnicate"):
        proc.start()
    assert proc.pid is None


def test_timeout_raises_and_stops(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import time; print('starting', flush=True); time.sleep(60)"]
    proc = ServerProcess(argv, port=free_port(), log=tmp_path / "s.log", start_timeout=0.5)
    with pytest.raises(ServerStartError, match=r"did not answer .* within 0\.5s: starting"):
        proc.start()
    assert proc.pid is None


def test_stop_before_start_is_harmless(tmp_path: Path) -> None:
    proc = ServerProcess(["true"], port=free_port(), log=tmp_path / "s.log")
    proc.stop()
    proc.stop()
    assert proc.pid is None
    assert proc.log_tail() == "(no log)"
