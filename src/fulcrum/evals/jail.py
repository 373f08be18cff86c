"""The platform side of the sandbox: which isolation this machine allows, and the argv for it.

See :mod:`fulcrum.evals.sandbox` for the policy. Probes run once per process and are cached.
"""

from __future__ import annotations

import os
import pwd
import shlex
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


# In a private mount namespace: fresh tmpfs over the world-writable directories, then the
# directories the command needs that live under them bound back read-only (the interpreter's
# virtualenv, an agent's install: root-owned, not world-writable), then the
# copy bound back at its own path (it may live under /tmp), so writes outside the copy vanish.
# Arguments: COPY N KEEP_1 .. KEEP_N COMMAND...; the kept directories ride on fds 4..9.
MASKED = ("/tmp", "/var/tmp", "/dev/shm")
MAX_KEPT = 6
_JAIL = (
    'copy=$1; n=$2; shift 2; exec 3<"$copy" || exit 125; '
    'i=0; for k in "$@"; do [ $i -lt $n ] || break; '
    r'eval "exec $((i + 4))<\"\$k\"" || exit 125; i=$((i + 1)); done; '
    "for d in /tmp /var/tmp /dev/shm; do [ -d $d ] || continue; "
    "mount -t tmpfs -o size=SIZE,mode=1777 tmpfs $d || exit 125; done; "
    "i=0; while [ $i -lt $n ]; do "
    'mkdir -p "$1" && mount --no-canonicalize --bind /proc/self/fd/$((i + 4)) "$1" '
    '&& mount -o remount,bind,ro "$1" || exit 125; '
    'eval "exec $((i + 4))<&-"; shift; i=$((i + 1)); done; '
    'mkdir -p "$copy" && mount --no-canonicalize --bind /proc/self/fd/3 "$copy" || exit 125; '
    'exec 3<&-; cd "$copy" || exit 125; exec "$@"'
)


def kept_dirs(paths: list[str]) -> list[str]:
    """The top-level directories under a masked directory that ``paths`` (and their real
    paths) need; only those that exist and are not world-writable, at most MAX_KEPT."""
    out: list[str] = []
    for path in paths:
        for candidate in dict.fromkeys((path, os.path.realpath(path))):
            for masked in MASKED:
                if not candidate.startswith(masked + "/"):
                    continue
                top = os.path.join(masked, candidate[len(masked) + 1 :].split("/")[0])
                if top not in out and _safe_dir(top):
                    out.append(top)
    return out[:MAX_KEPT]


def _safe_dir(path: str) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return os.path.isdir(path) and not st.st_mode & 0o002


def _needed_paths(command: str) -> list[str]:
    """The interpreter, its prefixes, and every absolute path the command names."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    named = [w for w in words if w.startswith("/")]
    return [sys.executable, sys.prefix, sys.base_prefix, *named]


@cache
def _can_private_tmp() -> bool:
    exe = shutil.which("unshare")
    if exe is None or shutil.which("mount") is None or os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as probe:
        cmd = [exe, "-m", "--propagation", "private", "--", "/bin/sh", "-c",
               _JAIL.replace("SIZE", "1m"), "jail", probe, "0", "true"]  # fmt: skip
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


def describe_capabilities() -> str:
    """:func:`capabilities` in words: "unprivileged user yes, network cut no, ..."."""
    return ", ".join(
        f"{name.replace('_', ' ')} {'yes' if on else 'no'}" for name, on in capabilities().items()
    )


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
        keep = kept_dirs(_needed_paths(command))
        return [unshare, *flags, "-m", "--propagation", "private", "--",
                "/bin/sh", "-c", jail, "jail", str(cwd), str(len(keep)), *keep, *argv]  # fmt: skip
    return [unshare, *flags, "--", *argv] if flags else argv
