"""Labelled gateway requests as training rows, and the counts of what became of each.

A row is the training format of :mod:`fulcrum.routing.learned.data`: ``id`` the ledger row's
id, ``prompt`` the request's current-turn text (what the learned router scores),
``strong_score`` and ``weak_score`` the label, ``benchmark`` ``gateway:<signal>`` and the agent
columns as the gateway's scorer builds them (kind, tool count, estimated input tokens, turn,
tool errors in a row). A labelled request whose text cannot be recovered (no stored body:
``store_bodies = false``), whose frontier outcome is unknown, or that held a secret (the
gateway's detectors found one in the request, or they find one in its text: the file is
meant to be shared beside public data) is counted, not written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fulcrum.routing.outcomes.recorded import Recorded, Request
from fulcrum.routing.outcomes.signals import SIGNALS, Label, Labelled

HEADER: tuple[str, ...] = (
    "id",
    "prompt",
    "strong_score",
    "weak_score",
    "benchmark",
    "kind",
    "tools",
    "tokens",
    "turn",
    "tool_errors",
)
BENCHMARK = "gateway:{signal}"
NO_TEXT = "no text (no stored body, or no user text)"
STRONG_UNKNOWN = "the frontier's outcome unknown"
HELD_SECRET = "held a secret (not written)"


@dataclass(slots=True)
class SignalCount:
    labelled: int = 0
    written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class Summary:
    """What became of every request read: per signal, and why the rest has no label."""

    ledger: str
    requests: int
    signals: dict[str, SignalCount] = field(
        default_factory=lambda: {s: SignalCount() for s in SIGNALS}
    )
    unlabelled: Counter[str] = field(default_factory=Counter)
    feedback_labels: int = 0
    feedback_unused: Counter[str] = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        return sum(c.written for c in self.signals.values())

    @property
    def skipped(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for count in self.signals.values():
            total.update(count.skipped)
        return total

    def as_dict(self) -> dict[str, Any]:
        return {
            "ledger": self.ledger,
            "requests": self.requests,
            "rows_written": self.rows,
            "rows_skipped": dict(self.skipped),
            "signals": {
                name: {"labelled": c.labelled, "written": c.written, "skipped": dict(c.skipped)}
                for name, c in self.signals.items()
            },
            "not_labelled": dict(self.unlabelled),
            "feedback": {"labels": self.feedback_labels, "unused": dict(self.feedback_unused)},
        }


def row_of(r: Request, label: Label) -> dict[str, str]:
    return {
        "id": r.id,
        "prompt": r.text,
        "strong_score": str(label.strong),
        "weak_score": str(label.weak),
        "benchmark": BENCHMARK.format(signal=label.signal),
        "kind": r.kind,
        "tools": str(r.tools),
        "tokens": str(r.tokens),
        "turn": str(r.turn),
        "tool_errors": str(r.tool_errors),
    }


def training_rows(recorded: Recorded, labelled: Labelled) -> tuple[list[dict[str, str]], Summary]:
    """One row per labelled request with text and both outcomes, in ledger order."""
    summary = Summary(
        ledger=recorded.ledger,
        requests=len(recorded.requests),
        unlabelled=labelled.unlabelled,
        feedback_labels=len(recorded.feedback),
        feedback_unused=labelled.feedback,
    )
    rows: list[dict[str, str]] = []
    for r in recorded.requests:
        label = labelled.labels.get(r.id)
        if label is None:
            continue
        count = summary.signals[label.signal]
        count.labelled += 1
        if label.strong is None:
            count.skipped[STRONG_UNKNOWN] += 1
        elif not r.text:
            count.skipped[NO_TEXT] += 1
        elif r.secret:
            count.skipped[HELD_SECRET] += 1
        else:
            count.written += 1
            rows.append(row_of(r, label))
    return rows, summary


def render(summary: Summary, out: str) -> str:
    """The summary as a few lines of text (stderr)."""
    lines = [
        f"wrote {out}: {summary.rows} rows from {summary.requests} gateway requests "
        f"({summary.ledger})",
        f"  {'signal':<18}{'labelled':>9}{'written':>9}  skipped",
    ]
    for name, c in summary.signals.items():
        skipped = "; ".join(f"{n} {why}" for why, n in c.skipped.items())
        lines.append(f"  {name:<18}{c.labelled:>9}{c.written:>9}  {skipped}".rstrip())
    if summary.unlabelled:
        lines.append("  not labelled: " + _counts(summary.unlabelled))
    unused = f"; unused: {_counts(summary.feedback_unused)}" if summary.feedback_unused else ""
    lines.append(f"  feedback: {summary.feedback_labels} labels{unused}")
    return "\n".join(lines)


def _counts(counter: Counter[str]) -> str:
    return "; ".join(f"{n} {why}" for why, n in counter.most_common())
