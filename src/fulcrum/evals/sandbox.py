"""Run a spec's command in a jail: limits, an unprivileged user, no network, nothing left behind.

Every command runs in its own session and process group with a wall-clock timeout and
``setrlimit`` caps (address space, CPU seconds, file size, and processes once the user is
dropped). A tiny launcher (``python -I -S -c``) applies the limits before ``exec``, so no
``preexec_fn`` runs in the harness's threads.

- **User.** When the harness runs as root, the command runs as ``fulcrum-sandbox`` (created
  idempotently with ``useradd``; privileges dropped with util-linux ``setpriv``), so
  ``RLIMIT_NPROC`` applies and it can write only to its own copy (plus world-writable
  directories such as ``/tmp``). If that user cannot reach the interpreter (a venv in a private
  home), it keeps ``CAP_DAC_READ_SEARCH``: it may read and traverse, never write. Not root (or
  no ``setpriv``/``useradd``): the command runs as the current user and ``RLIMIT_NPROC`` is not
  set (it would count every process of that user).
- **Network.** Cut with ``unshare -n`` where it works (root, or a kernel allowing user
  namespaces); elsewhere the command keeps the network (reported by :func:`capabilities`).
- **Cleanup.** Each run carries a random token in its environment; at the end the process
  group and any process still holding the token (one that called ``setsid``) are killed, and
  the call returns only once they are gone, so their process slots are free again.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SANDBOX_USER = "fulcrum-sandbox"
TOKEN_VAR = "FULCRUM_SANDBOX_TOKEN"
OUTPUT_TAIL = 6000
_USER_LOCK = threading.Lock()

_LAUNCHER = r"""
import os, resource, sys
mem, cpu, nproc, fsize = (int(x) for x in sys.argv[1:5])
def lim(res, soft, hard):
    if soft > 0:
        resource.setrlimit(res, (soft, hard))
lim(resource.RLIMIT_AS, mem, mem)
lim(resource.RLIMIT_CPU, cpu, cpu + 1)
lim(resource.RLIMIT_FSIZE, fsize, fsize)
lim(resource.RLIMIT_NPROC, nproc, nproc)
os.execvp(sys.argv[5], sys.argv[5:])
"""


@dataclass(frozen=True, slots=True)
class Limits:
    memory_mb: int = 2048
    cpu_s: int = 120
    nproc: int = 256
    fsize_mb: int = 64

    def merged(self, overrides: dict[str, int]) -> Limits:
        values = {k: overrides.get(k, getattr(self, k)) for k in self.__dataclass_fields__}
        return Limits(**values)


@dataclass(frozen=True, slots=True)
class SandboxResult:
    returncode: int
    timed_out: bool
    duration_s: float
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


@cache
def _can_unshare_net() -> bool:
    exe = shutil.which("unshare")
    if exe is None:
        return False
    try:
        done = subprocess.run([exe, "-n", "true"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def sandbox_user() -> tuple[int, int] | None:
    """``(uid, gid)`` of the unprivileged user, created if needed; ``None`` when not root."""
    if os.geteuid() != 0:
        return None
    with _USER_LOCK:
        try:
            entry = pwd.getpwnam(SANDBOX_USER)
        except KeyError:
            useradd = shutil.which("useradd")
            if useradd is None:
                return None
            subprocess.run(
                [useradd, "--system", "--user-group", "--no-create-home",
                 "--shell", "/usr/sbin/nologin", SANDBOX_USER],
                capture_output=True, check=False, timeout=30,
            )  # fmt: skip
            try:
                entry = pwd.getpwnam(SANDBOX_USER)
            except KeyError:
                return None
    return entry.pw_uid, entry.pw_gid


def capabilities() -> dict[str, bool]:
    """What this platform enforces: the unprivileged user and the network cut."""
    return {"unprivileged_user": bool(_dropper()), "network_cut": _can_unshare_net()}


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


def _drop(uid: int, gid: int, *, read_all: bool) -> list[str]:
    setpriv = shutil.which("setpriv") or "setpriv"
    argv = [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
    if read_all:
        argv += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
    return [*argv, "--"]


@cache
def _dropper() -> tuple[str, ...]:
    """The privilege drop prefix, or ``()`` when the command keeps the current user.

    When the interpreter lives where the sandbox user cannot reach it (a private home), the
    user keeps ``CAP_DAC_READ_SEARCH`` (read and traverse anything, write nothing new).
    """
    ids = sandbox_user()
    if ids is None or shutil.which("setpriv") is None:
        return ()
    probe = [*_drop(*ids, read_all=False), "/bin/sh", "-c", '"$0" -c pass', sys.executable]
    done = subprocess.run(probe, capture_output=True, timeout=30, check=False, cwd="/")
    return tuple(_drop(*ids, read_all=done.returncode != 0))


def _argv(command: str, limits: Limits, *, network: bool) -> list[str]:
    drop = _dropper()
    mb = 1024 * 1024
    argv = [sys.executable, "-I", "-S", "-c", _LAUNCHER,
            str(limits.memory_mb * mb), str(limits.cpu_s), str(limits.nproc if drop else 0),
            str(limits.fsize_mb * mb), *drop, "/bin/sh", "-c", command]  # fmt: skip
    if not network and _can_unshare_net():
        argv = [shutil.which("unshare") or "unshare", "-n", "--", *argv]
    return argv


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
        proc = subprocess.Popen(
            _argv(command, limits, network=network), cwd=cwd, env=_env(cwd, token, env),
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
