"""Saved decisions, ``--compare PREVIOUS`` and ``--ics``.

Every ``fulcrum decide`` writes a record to ``<data dir>/decisions/`` (``--no-save`` skips
it): the scenario's SHA-256 and its text, the catalog version (a hash of the bundled catalog,
the user catalog file and the ``genai-prices`` version), the API prices used, and the
decision itself. ``--compare FILE`` reads such a record and says what changed since: the
recommendation, each option's monthly total and eligibility, the prices, and which flip
signals changed state - seed 003's "re-evaluate every three to six months" as a command.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import Any

from fulcrum.catalog import Catalog
from fulcrum.catalog.loader import user_catalog_path
from fulcrum.costs.results import Decision
from fulcrum.costs.scenario import Scenario
from fulcrum.errors import InputError
from fulcrum.settings import data_dir

FORMAT = 1
BUNDLED = ("hardware.toml", "models.toml", "quants.toml", "plans.toml", "prices.toml")


def catalog_version(user_file: Path | None) -> str:
    h = hashlib.sha256(f"genai-prices {version('genai-prices')}".encode())
    data = resources.files("fulcrum.catalog").joinpath("data")
    for name in BUNDLED:
        h.update(data.joinpath(name).read_bytes())
    path = user_catalog_path(user_file)
    if path is not None:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _prices(sc: Scenario, catalog: Catalog) -> dict[str, dict[str, str] | None]:
    models = [sc.api.model]
    tier = sc.section("cheaper_tier") or {}
    if tier.get("model"):
        models.append(str(tier["model"]))
    out: dict[str, dict[str, str] | None] = {}
    for m in models:
        card = catalog.price(m, sc.api.provider if m == sc.api.model else None)
        out[m] = None if card is None else {"input": str(card.input), "output": str(card.output)}
    return out


def record(
    sc: Scenario, catalog: Catalog, d: Decision, user_catalog: Path | None
) -> dict[str, Any]:
    text = Path(sc.path).read_text(encoding="utf-8")
    return {
        "format": FORMAT,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario_file": sc.path,
        "scenario_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "inputs": text,
        "catalog_version": catalog_version(user_catalog),
        "prices_usd_per_mtok": _prices(sc, catalog),
        "decision": d.as_dict(),
    }


def save(rec: dict[str, Any], directory: Path | None = None) -> Path:
    """Write ``rec`` under the data dir; the file name says scenario, time and hash."""
    folder = directory or data_dir() / "decisions"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = rec["saved_at"].replace(":", "").replace("-", "")[:15]
    path = folder / f"{Path(rec['scenario_file']).stem}-{stamp}-{rec['scenario_sha256'][:8]}.json"
    path.write_text(json.dumps(rec, indent=2) + "\n", encoding="utf-8")
    return path


def load_record(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a saved decision ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or "decision" not in doc:
        raise InputError(f"{path}: not a saved decision (expected format {FORMAT})")
    return doc
