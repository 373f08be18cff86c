"""What changed between a saved decision and now: lines a team lead can read."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fulcrum.errors import InputError

MATERIAL = Decimal(1)  # smaller moves in a monthly total are rounding, not change


def _usd(text: str | None) -> str:
    return "-" if text is None else f"${Decimal(text):,.2f}"


def _id(option: dict[str, Any]) -> str:
    """An option's identity (the hybrid's name carries its local share); a decision saved
    before options had ids is matched by name."""
    return str(option.get("id") or option["name"])


def _options(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    before = {_id(o): o for o in old["decision"]["options"]}
    out = []
    for o in new["decision"]["options"]:
        was = before.pop(_id(o), None)
        if was is None:
            out.append(f"new option: {o['name']} at {_usd(o['total_monthly'])}/month")
            continue
        if abs(Decimal(was["total_monthly"]) - Decimal(o["total_monthly"])) >= MATERIAL:
            out.append(
                f"{o['name']}: {_usd(was['total_monthly'])} -> {_usd(o['total_monthly'])}/month"
            )
        if was.get("eligible") != o.get("eligible"):
            state = "eligible" if o.get("eligible") else "not eligible"
            out.append(f"{o['name']}: now {state}")
    out += [f"option gone: {was['name']}" for was in before.values()]
    return out


def _prices(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    out = []
    was = old.get("prices_usd_per_mtok") or {}
    for model, card in (new.get("prices_usd_per_mtok") or {}).items():
        prev = was.get(model)
        if prev != card and prev and card:
            out.append(
                f"price of {model}: ${prev['input']}/${prev['output']} -> "
                f"${card['input']}/${card['output']} per Mtok (input/output)"
            )
    return out


def _signals(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    was = {s["id"]: s for s in old["decision"]["flip_signals"]}
    out = []
    for s in new["decision"]["flip_signals"]:
        prev = was.get(s["id"])
        if prev is not None and prev["met"] != s["met"]:
            flip = "now met" if s["met"] else "no longer met"
            out.append(f"flip signal {s['id']}: {flip} ({s['evidence']})")
    return out


def compare(old: dict[str, Any], new: dict[str, Any], source: object) -> list[str]:
    """Every difference that matters to the decision, one line each (``old``, read from
    ``source``, damaged: an input error naming what it lacks)."""
    try:
        return _differences(old, new)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        what = f"no {exc}" if isinstance(exc, KeyError) else f"a malformed field ({exc})"
        raise InputError(f"{source}: not a saved decision ({what})") from None


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = [f"compared with the decision saved {old['saved_at']}"]
    if old["scenario_sha256"] != new["scenario_sha256"]:
        lines.append("scenario file changed")
    if old["catalog_version"] != new["catalog_version"]:
        lines.append(f"catalog changed ({old['catalog_version']} -> {new['catalog_version']})")
    rec_old = old["decision"]["recommendation"]["name"]
    rec_new = new["decision"]["recommendation"]["name"]
    if rec_old != rec_new:
        lines.append(f"recommendation: {rec_old} -> {rec_new}")
    else:
        lines.append(f"recommendation unchanged: {rec_new}")
    changes = _prices(old, new) + _options(old, new) + _signals(old, new)
    return lines + (changes or ["no price, option or flip-signal change"])


def ics(summary: str, description: str, day: str, uid: str) -> str:
    """A one-event iCalendar file (RFC 5545) for the re-evaluation date ``day``."""
    date = day.replace("-", "")

    def esc(text: str) -> str:
        return (
            text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        )

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//fulcrum//decide//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}@fulcrum",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{date}",
        f"SUMMARY:{esc(summary)}",
        f"DESCRIPTION:{esc(description)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) for line in lines)


def _fold(line: str) -> str:
    """RFC 5545 line folding: at most 75 octets a line, continuations start with a space."""
    out: list[str] = []
    chunk = ""
    for ch in line:
        if len((chunk + ch).encode()) > (75 if not out else 74):
            out.append(chunk)
            chunk = ""
        chunk += ch
    out.append(chunk)
    return "\r\n ".join(out) + "\r\n"
