"""``fulcrum serve --workers N``: several gateway processes on one port and one ledger."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest

from fulcrum.errors import ConfigError
from fulcrum.gateway.workers import check_workers
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import RunningGateway, running_gateway
from fulcrum.testing.postgres import PostgresCluster

from .helpers import HI, post_json

BODY = {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": HI}


class Workers(NamedTuple):
    gateway: RunningGateway
    process: subprocess.Popen[str]  # the parent
    ledger_url: str


def test_one_worker_needs_nothing_more() -> None:
    check_workers(1, None)
    check_workers(2, "postgresql://fulcrum:secret@db.internal/ledger")


@pytest.mark.parametrize("url", [None, "sqlite:///ledger.db", "/tmp/ledger.db"])
def test_several_workers_need_a_shared_ledger(url: str | None) -> None:
    with pytest.raises(ConfigError) as err:
        check_workers(2, url)
    assert err.value.field == "--workers"
    assert "PostgreSQL ledger" in err.value.message


def test_serve_refuses_workers_on_sqlite_in_one_line(config_text: str, tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text(config_text, encoding="utf-8")
    argv = [sys.executable, "-m", "fulcrum", "serve", "--config", str(path), "--workers", "2"]
    env = {**os.environ, "FULCRUM_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fulcrum: error: --workers: ")
    assert "Traceback" not in done.stderr


def _children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(p) for p in text.split()}


def _forked(pid: int) -> set[int]:
    """The workers among ``pid``'s children (forked: the same command line; not, say, a
    library's helper process)."""
    line = Path(f"/proc/{pid}/cmdline").read_bytes()
    found = set()
    for child in _children(pid):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{child}/cmdline").read_bytes() == line:
                found.add(child)
    return found


def _health_pid(gateway: RunningGateway) -> int:
    with urllib.request.urlopen(gateway.url + "/healthz", timeout=10) as resp:  # a new connection
        return int(json.loads(resp.read())["pid"])


def _ledger_rows(url: str) -> int:
    store = open_store(url)
    try:
        return len(store.rows())
    finally:
        store.close()


@pytest.fixture
def two_workers(pg_cluster: PostgresCluster, config_text: str) -> Iterator[Workers]:
    """``fulcrum serve --workers 2`` on a PostgreSQL ledger of its own."""
    url = pg_cluster.create_database()
    text = config_text.replace("[server]", f'[ledger]\nurl = "{url}"\n\n[server]')
    with running_gateway(text, subprocess=True, args=["--workers", "2"]) as gateway:
        assert gateway.process is not None
        yield Workers(gateway, gateway.process, url)


@pytest.mark.postgres
def test_workers_share_the_port_and_the_ledger(two_workers: Workers) -> None:
    gateway, process, url = two_workers
    assert any(line.startswith("workers: 2 processes") for line in gateway.output)
    workers = _children(process.pid)
    assert len(workers) == 2
    # new connections are spread over both (the kernel hashes each to one listener)
    assert {_health_pid(gateway) for _ in range(40)} == workers
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: post_json(gateway, "/v1/messages", BODY)[0],
                              range(40)))  # fmt: skip
    assert codes == [200] * 40
    assert gateway.stop() == 0  # SIGTERM: both drain and flush their rows
    assert not Path(f"/proc/{next(iter(workers))}").exists()
    assert _ledger_rows(url) == 40


@pytest.mark.postgres
def test_a_worker_that_dies_stops_the_gateway(two_workers: Workers) -> None:
    gateway, process, _ = two_workers
    first, second = sorted(_children(process.pid))
    os.kill(first, signal.SIGKILL)
    assert process.wait(timeout=60) == 128 + signal.SIGKILL
    assert not Path(f"/proc/{second}").exists()  # stopped and reaped
    said = f"worker 0 (pid {first}) was killed by SIGKILL; stopping the others"
    deadline = time.monotonic() + 10  # the output is read by a thread
    while not any(said in line for line in gateway.output) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(said in line for line in gateway.output)


def test_the_banner_shows_the_ledger_without_its_password() -> None:
    from fulcrum.gateway.config import load_config  # noqa: PLC0415
    from fulcrum.gateway.serve import banner  # noqa: PLC0415

    text = (
        '[ledger]\nurl = "postgresql://fulcrum:s3cret@db.internal/ledger"\n'
        '[backends.llama]\nformat = "openai"\nbase_url = "http://127.0.0.1:8080"\nkind = "local"\n'
    )
    shown = banner(load_config(text=text, env={}), "http://127.0.0.1:8787")
    assert "ledger: postgresql://fulcrum:***@db.internal/ledger" in shown
    assert "s3cret" not in shown
    assert 'base_url = "http://127.0.0.1:8787/v1"' in shown  # Codex CLI's provider, too
    replicas = 'base_urls = ["http://127.0.0.1:8080", "http://u:pw@10.0.0.2:8080"]'
    pool = text.replace('base_url = "http://127.0.0.1:8080"', replicas)
    shown = banner(load_config(text=pool, env={}), "http://127.0.0.1:8787")
    # every replica of a pool (only the first was named), none with its password
    assert (
        "llama (local, openai, 2 replicas: http://127.0.0.1:8080, http://u:***@10.0.0.2:8080)"
        in shown
    )


@pytest.mark.postgres
def test_a_stop_while_workers_start_stops_the_ones_that_did(
    pg_cluster: PostgresCluster, config_text: str, tmp_path: Path
) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text(config_text, encoding="utf-8")
    argv = [sys.executable, "-m", "fulcrum", "serve", "--config", str(path), "--port", "0",
            "--workers", "3", "--ledger-url", pg_cluster.create_database()]  # fmt: skip
    env = {**os.environ, "FULCRUM_DATA_DIR": str(tmp_path / "data")}
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env) as proc:
        deadline = time.monotonic() + 30
        while not _forked(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        started = _forked(proc.pid)
        proc.send_signal(signal.SIGTERM)  # the first worker is still building its gateway
        out, _ = proc.communicate(timeout=60)
    assert started and proc.returncode == 0
    assert b"listening on" not in out and b"Traceback" not in out
    assert not any(Path(f"/proc/{pid}").exists() for pid in started)
