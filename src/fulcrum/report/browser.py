"""Debian's Chromium, headless: where it is, the flags that keep it offline, ``--pdf``.

The browser is the system's ``chromium`` (the Debian package that ``scripts/setup_chromium.sh``
installs) or ``$FULCRUM_CHROMIUM``; nothing downloads a browser. Every start resolves no host
name but ``localhost`` and loopback addresses (``--host-resolver-rules``), runs with a throwaway
profile, and sends no background traffic (updates, metrics, component downloads).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from fulcrum.errors import InputError

ENV = "FULCRUM_CHROMIUM"
NAMES = ("chromium", "chromium-browser")
PDF_TIMEOUT_S = 120.0
OFFLINE_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--metrics-recording-only",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)


def find_chromium() -> str | None:
    """The Chromium binary: ``$FULCRUM_CHROMIUM``, else ``chromium`` on the PATH; None if absent."""
    explicit = os.environ.get(ENV)
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium(flag: str) -> str:
    path = find_chromium()
    if path is None:
        raise InputError(
            f"{flag}: Chromium not found; install Debian's `chromium` package "
            f"(scripts/setup_chromium.sh) or set {ENV} to its path"
        )
    return path


def base_argv(binary: str, profile: Path) -> list[str]:
    argv = [binary, *OFFLINE_FLAGS, f"--user-data-dir={profile}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--no-sandbox")  # Chromium refuses to run its sandbox as root
    return argv


def print_pdf(html_file: Path, pdf_file: Path) -> Path:
    """Print ``html_file`` to ``pdf_file`` with headless Chromium; errors are one line."""
    binary = require_chromium("--pdf")
    with tempfile.TemporaryDirectory(prefix="fulcrum-chromium-") as profile:
        argv = [
            *base_argv(binary, Path(profile)),
            f"--print-to-pdf={pdf_file.resolve()}",
            "--no-pdf-header-footer",
            html_file.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=PDF_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise InputError(f"--pdf: Chromium did not finish in {PDF_TIMEOUT_S:.0f} s") from exc
    if done.returncode != 0 or not pdf_file.is_file() or pdf_file.stat().st_size == 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError(f"--pdf {pdf_file}: Chromium failed (exit {done.returncode}): {tail}")
    return pdf_file
