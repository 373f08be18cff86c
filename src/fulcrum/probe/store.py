"""Probe runs kept as JSON files under ``<data dir>/probe/``, one per run id, and machine
calibrations under ``probe/calibration/<hardware>.json``."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fulcrum.costs.throughput import ThroughputParams, load_params
from fulcrum.errors import InputError
from fulcrum.settings import data_dir


def probe_dir() -> Path:
    return data_dir() / "probe"


def new_run_id(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def save_run(run: dict[str, Any]) -> Path:
    folder = probe_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run['run_id']}.json"
    path.write_text(json.dumps(run, indent=2), encoding="utf-8")
    return path


def list_runs() -> list[dict[str, Any]]:
    """Every stored run's summary (samples left out), oldest first; unreadable files skipped
    with their error named in the row."""
    folder = probe_dir()
    out = []
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            out.append({"run_id": path.stem, "error": str(exc)})
            continue
        if not isinstance(run, dict):
            out.append({"run_id": path.stem, "error": "not a JSON object"})
            continue
        out.append({"run_id": path.stem, **{k: v for k, v in run.items() if k != "samples"}})
    return out


def load_run(run_id: str) -> dict[str, Any]:
    path = probe_dir() / f"{run_id}.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a stored probe run ({exc})") from None
    return data


def calibration_path(hardware: str) -> Path:
    return probe_dir() / "calibration" / f"{hardware}.json"


def save_calibration(hardware: str, params: ThroughputParams) -> Path:
    path = calibration_path(hardware)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(params.to_json(), encoding="utf-8")
    return path


def load_calibration(hardware: str) -> ThroughputParams | None:
    """The machine's calibration from ``probe --calibrate``, or None."""
    path = calibration_path(hardware)
    return load_params(path) if path.exists() else None
