"""The platform side of the sandbox: which isolation this machine allows, and the argv for it.

See :mod:`fulcrum.evals.sandbox` for the policy. Probes run once per process and are cached.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SANDBOX_USER = "fulcrum-sandbox"
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


# In a private mount namespace: fresh tmpfs over the world-writable directories, then the copy
# bound back at its own path (it may live under /tmp), so writes outside the copy vanish.
_JAIL = (
    'copy=$1; shift; exec 3<"$copy" || exit 125; '
    "for d in /tmp /var/tmp /dev/shm; do [ -d $d ] || continue; "
    "mount -t tmpfs -o size=SIZE,mode=1777 tmpfs $d || exit 125; done; "
    'mkdir -p "$copy" && mount --no-canonicalize --bind /proc/self/fd/3 "$copy" || exit 125; '
    'exec 3<&-; cd "$copy" || exit 125; exec "$@"'
)


@cache
def _can_private_tmp() -> bool:
    exe = shutil.which("unshare")
    if exe is None or shutil.which("mount") is None or os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as probe:
        cmd = [exe, "-m", "--propagation", "private", "--", "/bin/sh", "-c",
               _JAIL.replace("SIZE", "1m"), "jail", probe, "true"]  # fmt: skip
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            return False
    return done.returncode == 0


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
    return {
        "unprivileged_user": bool(_dropper()),
        "network_cut": _can_unshare_net(),
        "private_tmp": _can_private_tmp(),
    }


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


def jail_argv(command: str, limits: Limits, *, network: bool, cwd: Path) -> list[str]:
    """The full argv: namespaces, the limit-setting launcher, the privilege drop, the shell."""
    drop = _dropper()
    mb = 1024 * 1024
    argv = [sys.executable, "-I", "-S", "-c", _LAUNCHER,
            str(limits.memory_mb * mb), str(limits.cpu_s), str(limits.nproc if drop else 0),
            str(limits.fsize_mb * mb), *drop, "/bin/sh", "-c", command]  # fmt: skip
    unshare = shutil.which("unshare") or "unshare"
    flags = [] if network or not _can_unshare_net() else ["-n"]
    if _can_private_tmp():
        tmp_mb = max(64, 4 * limits.fsize_mb)
        jail = _JAIL.replace("SIZE", f"{tmp_mb}m")
        return [unshare, *flags, "-m", "--propagation", "private", "--",
                "/bin/sh", "-c", jail, "jail", str(cwd), *argv]  # fmt: skip
    return [unshare, *flags, "--", *argv] if flags else argv
