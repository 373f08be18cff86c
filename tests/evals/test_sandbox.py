from __future__ import annotations

import os
import socket
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from fulcrum.evals.sandbox import Limits, capabilities, hand_over, make_workroot, run_sandboxed

FAST = Limits(memory_mb=512, cpu_s=20, nproc=40, fsize_mb=8)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    work = make_workroot(tmp_path) / "copy"
    work.mkdir()
    hand_over(work)
    return work


def _leftovers(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def test_success_and_output(copy: Path) -> None:
    done = run_sandboxed("echo hello; echo oops >&2", copy, timeout_s=10, limits=FAST)
    assert done.ok and "hello" in done.output and "oops" in done.output


def test_hang_is_stopped_by_the_wall_clock(copy: Path) -> None:
    start = time.monotonic()
    done = run_sandboxed("sleep 4321.5", copy, timeout_s=1, limits=FAST)
    assert done.timed_out and not done.ok
    assert time.monotonic() - start < 5
    assert "wall-clock timeout" in done.output
    assert _leftovers("4321.5") == []


def test_detached_children_are_killed(copy: Path) -> None:
    done = run_sandboxed("setsid sleep 8765.5 & sleep 0.2; echo started", copy, timeout_s=10,
                         limits=FAST)  # fmt: skip
    assert "started" in done.output
    assert _leftovers("8765.5") == []


def test_memory_is_capped(copy: Path) -> None:
    done = run_sandboxed(
        "python -c 'x = bytearray(3 * 1024 ** 3); print(len(x))'", copy, timeout_s=30,
        limits=FAST,
    )  # fmt: skip
    assert not done.ok and "MemoryError" in done.output


def test_file_size_is_capped(copy: Path) -> None:
    done = run_sandboxed("head -c 50000000 /dev/zero > big.bin", copy, timeout_s=30, limits=FAST)
    assert not done.ok
    assert (copy / "big.bin").stat().st_size <= FAST.fsize_mb * 1024 * 1024


@pytest.mark.skipif(not capabilities()["unprivileged_user"], reason="needs root to drop to a user")
def test_fork_bomb_is_bounded(copy: Path) -> None:
    bomb = (
        "import os, time\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        time.sleep(0.05)\n"
    )
    (copy / "bomb_1357.py").write_text(bomb)
    hand_over(copy)
    start = time.monotonic()
    done = run_sandboxed("python bomb_1357.py", copy, timeout_s=2, limits=FAST)
    assert done.timed_out
    assert time.monotonic() - start < 15
    assert _leftovers("bomb_1357") == []


@pytest.mark.skipif(not capabilities()["unprivileged_user"], reason="needs root to drop to a user")
def test_cannot_write_outside_the_copy(copy: Path, tmp_path: Path) -> None:
    outside = make_workroot(tmp_path)
    os.chmod(outside, 0o755)
    target = outside / "escaped.txt"
    done = run_sandboxed(f"echo x > {target}", copy, timeout_s=10, limits=FAST)
    assert not done.ok and not target.exists()
    inside = run_sandboxed("echo x > inside.txt", copy, timeout_s=10, limits=FAST)
    assert inside.ok and (copy / "inside.txt").read_text() == "x\n"


@pytest.mark.skipif(not capabilities()["network_cut"], reason="unshare -n not available here")
def test_network_is_cut(copy: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        probe = f"python -c 'import socket; socket.create_connection((\"127.0.0.1\", {port}), 2)'"
        cut = run_sandboxed(probe, copy, timeout_s=10, limits=FAST)
        kept = run_sandboxed(probe, copy, timeout_s=10, limits=FAST, network=True)
    assert not cut.ok
    assert kept.ok


@pytest.mark.skipif(not capabilities()["private_tmp"], reason="no private mount namespace here")
def test_temp_directories_are_private(copy: Path) -> None:
    marker = f"fulcrum-escape-{os.getpid()}"
    done = run_sandboxed(
        f"echo x > /tmp/{marker} && echo y > /dev/shm/{marker} && cat /tmp/{marker} && "
        "echo z > kept.txt && pwd",
        copy, timeout_s=10, limits=FAST,
    )  # fmt: skip
    assert done.ok, done.output
    assert str(copy) in done.output
    assert not Path(f"/tmp/{marker}").exists() and not Path(f"/dev/shm/{marker}").exists()
    assert (copy / "kept.txt").read_text() == "z\n"


def test_tools_installed_under_tmp_stay_reachable(copy: Path, tmp_path: Path) -> None:
    """A checkout, virtualenv or agent install under /tmp is bound back into the private /tmp
    (root-owned, so the sandbox user still cannot write there)."""
    tool = tmp_path / "tools" / "hello.sh"
    tool.parent.mkdir()
    tool.write_text("echo kept-tool-ran\n", encoding="utf-8")
    open_dir = tool.parent / "open"  # world-writable inside a kept directory: still read-only
    open_dir.mkdir()
    open_dir.chmod(0o777)
    command = f"/bin/sh {tool}; echo x > {tool.parent}/w; echo x > {open_dir}/w"
    done = run_sandboxed(command, copy, timeout_s=10, limits=FAST)
    assert "kept-tool-ran" in done.output
    if capabilities()["private_tmp"]:
        assert not (tool.parent / "w").exists()
        assert not (open_dir / "w").exists()


def test_kept_dirs_are_top_level_and_never_world_writable(tmp_path: Path) -> None:
    from fulcrum.evals.jail import kept_dirs  # noqa: PLC0415

    if not str(tmp_path).startswith("/tmp/"):
        pytest.skip("the test's temporary directory is not under /tmp")
    top = "/" + "/".join(tmp_path.parts[1:3])  # e.g. /tmp/pytest-of-root
    assert kept_dirs([str(tmp_path / "bin" / "python"), "/usr/bin/python3"]) == [top]
    shared = Path("/tmp")
    absent = shared / f"fulcrum-absent-{uuid.uuid4().hex}"
    assert kept_dirs([str(absent / "python")]) == []  # a folder that does not exist
    world = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        world.chmod(0o777)
        assert kept_dirs([str(world / "tool")]) == []
    finally:
        world.rmdir()
