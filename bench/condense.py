"""What condensing a handed-off session's history saves, and what it costs the gateway.

For Claude Code–shaped sessions of each length (``--turns``, default 5, 20 and 60 tool loops;
the bodies of ``brain_decision.py``: a 16 KB system prompt, 20 tools, a 2,000-character task,
4,000 characters of code and test output per tool result), the session moves to the frontier
at its last turn. Printed per length: the prompt's estimated tokens sent whole and condensed
(``fulcrum.wire.condense``, as the gateway sends it), what the move costs at the frontier
model's input price either way (the catalog's card; the move reads the prompt uncached once),
and the gateway's time in milliseconds (median of ``--calls``) to cut and condense at the move
and to condense a later turn at the kept cut (every turn of a moved session pays it; the
summary is made once per process, so a later turn checks the cut and reuses it).

    .venv/bin/python bench/condense.py [--turns 5 20 60] [--calls 50] [--model MODEL] [--json F]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench_decide import median_ms  # the warm-up, then the median of the calls
from brain_decision import body as claude_code_body

from fulcrum.catalog import load_catalog
from fulcrum.ledger.pricing import Pricer
from fulcrum.routing.tokens import estimate_request_tokens
from fulcrum.wire.condense import MESSAGES, Cut, apply_cut, plan_cut
from fulcrum.wire.usage import TokenUsage


def tokens_of(body: dict[str, Any]) -> int:
    raw = json.dumps(body, separators=(",", ":")).encode()
    return estimate_request_tokens(body, raw)


def one_length(turns: int, calls: int, price: Any) -> dict[str, Any]:
    body = claude_code_body(random.Random(turns), turns=turns)
    messages = body["messages"]
    cut = plan_cut(MESSAGES, messages, "local/qwen")
    assert isinstance(cut, Cut), f"{turns} turns: no cut"
    condensed = {**body, "messages": apply_cut(MESSAGES, messages, cut)}
    later = [
        *messages,
        {"role": "assistant", "content": "Done."},
        {"role": "user", "content": "ok"},
    ]
    whole, kept = tokens_of(body), tokens_of(condensed)
    moves = (f"local/{n}" for n in itertools.count())  # a new session each: nothing kept yet
    return {
        "turns": turns,
        "tokens_whole": whole,
        "tokens_condensed": kept,
        "ratio": kept / whole,
        "move_usd_whole": price(whole),
        "move_usd_condensed": price(kept),
        "ms_at_move": median_ms(lambda: _move(messages, next(moves)), calls),
        "ms_later_turn": median_ms(lambda: apply_cut(MESSAGES, later, cut), calls),
    }


def _move(messages: list[Any], source: str) -> None:
    """The gateway's work at a move: the cut (its summary made), the body condensed."""
    cut = plan_cut(MESSAGES, messages, source)
    assert cut is not None
    apply_cut(MESSAGES, messages, cut)


def input_price(model: str) -> Any:
    pricer = Pricer.from_config(None, catalog=load_catalog())

    def price(tokens: int) -> Decimal | None:
        return pricer.api_cost(model, None, TokenUsage(input_tokens=tokens, output_tokens=0))

    return price


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, nargs="+", default=[5, 20, 60])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--model", default="claude-sonnet-4-6", help="the frontier model")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    price = input_price(args.model)
    print(f"a session moved to {args.model} at its last turn (Claude Code–shaped bodies)")
    print(f"{'turns':>5} {'tokens whole':>13} {'condensed':>10} {'ratio':>6} "
          f"{'move $ whole':>13} {'condensed':>10} {'ms at move':>11} "
          f"{'later turn':>11}")  # fmt: skip
    rows = []
    for turns in args.turns:
        r = one_length(turns, args.calls, price)
        rows.append(r)
        print(f"{r['turns']:>5} {r['tokens_whole']:>13,} {r['tokens_condensed']:>10,} "
              f"{r['ratio']:>6.2f} {_usd(r['move_usd_whole']):>13} "
              f"{_usd(r['move_usd_condensed']):>10} {r['ms_at_move']:>11.2f} "
              f"{r['ms_later_turn']:>11.2f}")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps({"model": args.model, "lengths": rows}, default=str))


def _usd(value: Decimal | None) -> str:
    return "unknown" if value is None else f"{value:.4f}"


if __name__ == "__main__":
    main()
