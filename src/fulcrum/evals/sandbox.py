"""Run a spec's command in a jail: limits, an unprivileged user, no network, nothing left behind.

Every command runs in its own session and process group with a wall-clock timeout and
``setrlimit`` caps (address space, CPU seconds, file size, and processes once the user is
dropped). A tiny launcher (``python -I -S -c``) applies the limits before ``exec``, so no
``preexec_fn`` runs in the harness's threads.

- **User.** When the harness runs as root, the command runs as ``fulcrum-sandbox`` (created
  idempotently with ``useradd``; privileges dropped with util-linux ``setpriv``), so
  ``RLIMIT_NPROC`` applies and it can write only to its own copy and the world-writable
  directories (made private, see below). If that user cannot reach the interpreter (a venv in
  a private home), it keeps ``CAP_DAC_READ_SEARCH``: it may read and traverse, never write.
  Not root (or no ``setpriv``/``useradd``): the command runs as the current user and
  ``RLIMIT_NPROC`` is not set (it would count every process of that user).
- **Network.** Cut with ``unshare -n`` where it works (root, or a kernel allowing user
  namespaces); elsewhere the command keeps the network (reported by :func:`capabilities`).
- **Private temp.** As root, the command also gets its own mount namespace with fresh, capped
  tmpfs over ``/tmp``, ``/var/tmp`` and ``/dev/shm`` (the copy is bound back at its path), so
  whatever it writes outside its copy disappears with it. Elsewhere those stay shared.
- **Cleanup.** Each run carries a random token in its environment; at the end the process
  group and any process still holding the token (one that called ``setsid``) are killed, and
  the call returns only once they are gone, so their process slots are free again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from fulcrum.evals.jail import (
    SANDBOX_USER,
    Limits,
    capabilities,
    describe_capabilities,
    jail_argv,
    sandbox_user,
)

__all__ = ["SANDBOX_USER", "Limits", "SandboxResult", "capabilities", "describe_capabilities",
           "hand_over", "make_workroot", "run_sandboxed", "sandbox_user"]  # fmt: skip

TOKEN_VAR = "FULCRUM_SANDBOX_TOKEN"
OUTPUT_TAIL = 6000


@dataclass(frozen=True, slots=True)
class SandboxResult:
    returncode: int
    timed_out: bool
    duration_s: float
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def make_workroot(base: Path | None = None) -> Path:
    """A fresh directory for attempt copies that the sandbox user can traverse."""
    root = Path(tempfile.mkdtemp(prefix="fulcrum-eval-", dir=base))
    root.chmod(0o711)
    return root


def hand_over(path: Path) -> None:
    """Give a copy to the sandbox user (no-op when not root)."""
    ids = sandbox_user()
    if ids is None:
        return
    uid, gid = ids
    os.chown(path, uid, gid)
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)


def _env(cwd: Path, token: str, extra: dict[str, str] | None) -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(cwd),
        "TMPDIR": str(cwd),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        TOKEN_VAR: token,
    }
    env.update(extra or {})
    return env


def _members(pgid: int, token: str) -> list[int]:
    """Processes (zombies included) in the group ``pgid`` or carrying ``token``."""
    needle = f"{TOKEN_VAR}={token}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            pgrp = int(stat[stat.rindex(")") + 2 :].split()[2])
            if pgrp == pgid or needle in (entry / "environ").read_bytes():
                pids.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def _kill_all(proc: subprocess.Popen[bytes], token: str, grace_s: float = 10.0) -> None:
    """Kill the group and every token holder; return once they are gone (and reaped)."""
    deadline = time.monotonic() + grace_s
    while True:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        members = _members(proc.pid, token) if Path("/proc").is_dir() else []
        for pid in members:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.02)
        if (proc.returncode is not None and not members) or time.monotonic() > deadline:
            return


def run_sandboxed(
    command: str,
    cwd: Path,
    *,
    timeout_s: float,
    limits: Limits,
    network: bool = False,
    env: dict[str, str] | None = None,
) -> SandboxResult:
    """Run ``command`` with ``/bin/sh`` in ``cwd`` under the jail; never raises on its failure."""
    token = uuid.uuid4().hex
    start = time.monotonic()
    with tempfile.TemporaryFile() as out:
        argv = jail_argv(command, limits, network=network, cwd=cwd)
        proc = subprocess.Popen(
            argv, cwd=cwd, env=_env(cwd, token, env),
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        timed_out = False
        try:
            returncode = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _kill_all(proc, token)
            returncode = proc.wait()
        out.seek(0, os.SEEK_END)
        out.seek(max(0, out.tell() - OUTPUT_TAIL))
        text = out.read().decode("utf-8", errors="replace")
    if timed_out:
        text += f"\n[fulcrum] stopped: wall-clock timeout after {timeout_s:g} s"
    return SandboxResult(returncode, timed_out, time.monotonic() - start, text)
