"""A throwaway PostgreSQL cluster for tests and benches.

``PostgresCluster.start()`` runs ``initdb`` and ``pg_ctl`` from Debian's ``postgresql``
package (installed by ``scripts/setup_postgres.sh``) in a fresh temporary directory, listening
on a free port on 127.0.0.1 with its unix socket inside that directory; ``stop()`` shuts it
down and removes the directory. When the tests run as root, the server runs as the
unprivileged ``postgres`` user, since PostgreSQL refuses to run as root. Authentication is
``trust`` on loopback only: never use this for anything but tests.

    with PostgresCluster.start() as pg:
        url = pg.create_database("ledger")   # postgresql://postgres@127.0.0.1:PORT/ledger
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import psycopg

from fulcrum.errors import Unavailable

SERVICE_USER = "postgres"
START_TIMEOUT_S = 60


def find_binary(name: str) -> str:
    """Path of a PostgreSQL server binary (``initdb``, ``pg_ctl``), newest version first."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise Unavailable(
        f"PostgreSQL's {name} was not found; run scripts/setup_postgres.sh to install it"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _run_as_service(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    user = SERVICE_USER if os.geteuid() == 0 else None
    return subprocess.run(
        args,
        cwd=cwd,
        user=user,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )


@dataclass
class PostgresCluster:
    """A running throwaway cluster; ``url(db)`` gives a psycopg connection URL."""

    root: Path
    port: int
    user: str = "postgres"
    host: str = "127.0.0.1"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    @classmethod
    def start(cls) -> PostgresCluster:
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        root = Path(tempfile.mkdtemp(prefix="fulcrum-pg-"))
        (root / "sock").mkdir()
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SERVICE_USER)
            for path in (root, root / "sock"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        cluster = cls(root=root, port=_free_port())
        try:
            cluster._check(
                _run_as_service(
                    [
                        initdb,
                        "-D",
                        str(cluster.data_dir),
                        "-U",
                        cluster.user,
                        "--auth=trust",
                        "--encoding=UTF8",
                        "--locale=C",
                        "--no-sync",
                    ],
                    root,
                ),
                "initdb",
            )
            options = (
                f"-p {cluster.port} -k {cluster.socket_dir} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200"
            )
            cluster._check(
                _run_as_service(
                    [
                        pg_ctl,
                        "-D",
                        str(cluster.data_dir),
                        "-l",
                        str(root / "server.log"),
                        "-o",
                        options,
                        "-w",
                        "-t",
                        str(START_TIMEOUT_S),
                        "start",
                    ],
                    root,
                ),
                "pg_ctl start",
            )
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _check(self, result: subprocess.CompletedProcess[str], step: str) -> None:
        if result.returncode == 0:
            return
        log = self.root / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise Unavailable(
            f"PostgreSQL {step} failed (exit {result.returncode}): "
            f"{(result.stderr or result.stdout).strip()[-2000:]} {tail}".strip()
        )

    def create_database(self, name: str | None = None) -> str:
        """Create a database (a fresh random name by default) and return its URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove every file of the cluster."""
        if (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.TimeoutExpired, FileNotFoundError, Unavailable):
                _run_as_service(
                    [find_binary("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
                    self.root,
                )
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
