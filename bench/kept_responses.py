"""What kept Responses conversations cost a request: continuing one by ``previous_response_id``
against sending the same conversation whole, and keeping an answer against not keeping it.

One fake OpenAI upstream, one ``fulcrum serve`` in front of it with ``[responses] store =
true`` (the kept responses in its SQLite ledger). For each conversation length in ``--turns``
the bench first makes a conversation of that many turns by continuing it (each turn adds
about ``--turn-bytes`` of text, as a tool's output does), then serves, in turns of
``--block`` requests (``run_alternating``: all meet the same drift of a noisy machine):

- ``whole``: the conversation and one more message, sent whole in ``input`` (``store: false``),
- ``continued``: the one more message with ``previous_response_id`` (``store: false``): the
  gateway reads the conversation's turns in one query and puts them in front,

and once, at the start, ``kept`` (a one-message request, kept) against ``not kept`` (the same
with ``store: false``): the write before the answer's last bytes. It prints each one's serial
p50 and p99 and the p50 one adds over the other (ms). The upstream answers at once: every
difference is the gateway's own work.

    .venv/bin/python bench/kept_responses.py [--turns 1 10 50] [--requests 500] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from fulcrum.aio import run_loop
from fulcrum.testing.loadgen import Target, run_alternating
from fulcrum.testing.process import free_port

sys.path.insert(0, str(Path(__file__).parent))
from gateway_overhead import BENCH_MODEL, OPENAI_HEADERS, start_fulcrum, start_upstream

KEEP = "\n[responses]\nstore = true\n"
WORDS = "the build failed at step three because the cache key changed after the lock update "


def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, json.dumps(body).encode(), dict(OPENAI_HEADERS))
    with urllib.request.urlopen(request, timeout=30) as resp:
        answer: dict[str, Any] = json.loads(resp.read())
    return answer


def conversation(url: str, turns: int, turn_bytes: int) -> tuple[str, list[dict[str, Any]]]:
    """A kept conversation of ``turns`` turns: its last response's id, and the same
    conversation as input items (what a client that keeps it itself would send)."""
    items: list[dict[str, Any]] = []
    previous: str | None = None
    for n in range(turns):
        text = f"turn {n}: " + (WORDS * (turn_bytes // len(WORDS) + 1))[:turn_bytes]
        body: dict[str, Any] = {"model": BENCH_MODEL, "input": text, "max_output_tokens": 32}
        if previous is not None:
            body["previous_response_id"] = previous
        answer = post(url, body)
        previous = answer["id"]
        items.append({"role": "user", "content": text})
        items.append({"role": "assistant", "content": answer["output"][0]["content"][0]["text"]})
    assert previous is not None
    return previous, items


def _target(name: str, url: str, body: dict[str, Any]) -> Target:
    return Target(name, url, json.dumps({"model": BENCH_MODEL, "max_output_tokens": 32,
                                         **body}).encode(), OPENAI_HEADERS)  # fmt: skip


def _pair(label: str, targets: list[Target], args: argparse.Namespace) -> dict[str, Any]:
    """Both targets in turns; their p50 and p99 (ms) and what the second adds to the first's
    p50. A failed request stops the bench: a figure without every request is not one."""
    base, other = run_loop(run_alternating(targets, requests=args.requests, block=args.block,
                                           warmup=args.warmup))  # fmt: skip
    for result in (base, other):
        if result.errors:
            raise SystemExit(f"{label}: {result.target}: {result.first_error}")
    return {"case": label, "base": base.target, "base_p50": base.p50, "base_p99": base.p99,
            "this": other.target, "p50": other.p50, "p99": other.p99,
            "added_p50": other.p50 - base.p50}  # fmt: skip


def _line(row: dict[str, Any]) -> str:
    return (f"{row['case']:<22} {row['base_p50']:8.3f} {row['base_p99']:8.3f} {row['p50']:9.3f} "
            f"{row['p99']:8.3f} {row['added_p50']:+8.3f}")  # fmt: skip


def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="fulcrum-bench-kept-") as tmp:
        work = Path(tmp)
        with (
            start_upstream(free_port(), work) as fake,
            start_fulcrum(fake.base_url + "/v1", free_port(), work, extra=KEEP) as gw,
        ):
            url = gw.base_url + "/v1/responses"
            first = [_target("not kept", url, {"input": "hi", "store": False}),
                     _target("kept", url, {"input": "hi"})]  # fmt: skip
            rows.append(_pair("1 message: kept", first, args))
            for turns in args.turns:
                last, items = conversation(url, turns, args.turn_bytes)
                more = {"role": "user", "content": "and then?"}
                pair = [_target("whole", url, {"input": [*items, more], "store": False}),
                        _target("continued", url, {"input": [more], "store": False,
                                                   "previous_response_id": last})]  # fmt: skip
                rows.append(_pair(f"{turns} turns: continued", pair, args))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--turn-bytes", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--block", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rows = measure(args)
    print("p50 and p99 ms, serial: the base (not kept; the conversation sent whole), this")
    print("(kept; continued by previous_response_id), and the p50 this adds to the base")
    print(f"{'':<22} {'base p50':>8} {'p99':>8} {'this p50':>9} {'p99':>8} {'added':>8}")
    for row in rows:
        print(_line(row))
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
