"""Run a fake upstream in its own process (for benchmarks)::

    python -m fulcrum.fakes anthropic --port 9100 [--text "..."] [--delay 0.0]

Prints one line ``listening on http://127.0.0.1:PORT`` (flushed) once it accepts
connections, then serves until SIGINT or SIGTERM. The request log is off.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from fulcrum.aio import run_loop
from fulcrum.fakes.anthropic import FakeAnthropic
from fulcrum.fakes.openai import FakeOpenAI
from fulcrum.fakes.script import Reply
from fulcrum.fakes.server import FakeUpstream

KINDS: dict[str, type[FakeUpstream]] = {"anthropic": FakeAnthropic, "openai": FakeOpenAI}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fulcrum.fakes", description=__doc__)
    parser.add_argument("kind", choices=sorted(KINDS), help="which provider to play")
    parser.add_argument("--port", type=int, default=0, help="TCP port (0: any free port)")
    parser.add_argument("--text", default=Reply().text, help="the reply every request gets")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before the first byte")
    parser.add_argument(
        "--chunk-delay", type=float, default=0.0, help="seconds between stream events"
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    default = Reply(args.text, first_byte_delay=args.delay, chunk_delay=args.chunk_delay)
    fake = KINDS[args.kind](port=args.port, default=default, record=False)
    await fake.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"listening on {fake.url}", flush=True)
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.delay < 0 or args.chunk_delay < 0:
        print("error: --delay and --chunk-delay must be >= 0 seconds", file=sys.stderr)
        return 2
    run_loop(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
