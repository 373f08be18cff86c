"""Gateway overhead: added latency and requests/s of fulcrum vs LiteLLM and claude-code-router.

One run, one fake OpenAI upstream (``python -m fulcrum.fakes openai --port N``), each gateway
started alone in front of it and measured serially and with 16 concurrent clients:

- ``direct``         the upstream itself: the baseline, also measured in turns with each
                     gateway's serial requests (its added latency is against those);
- ``aiohttp-hop``    the smallest aiohttp pass-through proxy (``minimal_proxy.py``): the floor
                     any aiohttp-based gateway pays for the extra hop;
- ``lean-hop``       the smallest pass-through on fulcrum's own parts (``lean_proxy.py``:
                     httptools in front and behind, uvloop): the floor of any Python hop;
- ``litellm``        LiteLLM's proxy, OpenAI pass-through (own virtualenv, made by this script);
- ``fulcrum``        ``fulcrum serve``, OpenAI pass-through;
- ``ccr``            claude-code-router, Anthropic → OpenAI translation (npm, config in a tmp HOME);
- ``fulcrum-anth``   ``fulcrum serve``, Anthropic → OpenAI translation;
- ``fulcrum-resp``   ``fulcrum serve``, OpenAI Responses (Codex CLI's API) → Chat Completions;
- ``*-stream``       streaming variants, for time-to-first-byte overhead;
- ``fulcrum-brain``  with a ``[policy]`` (learned router, secrets rule, budget, latency SLO),
                     every request a new decision; ``fulcrum-brain-session``: the same, all
                     requests in one Claude Code session (decided once, then pinned).

    .venv/bin/python bench/gateway_overhead.py [--serial 1000] [--concurrent 2000] [--clients 16]
    .venv/bin/python bench/gateway_overhead.py --install-only     # prepare LiteLLM and CCR

Targets that cannot run (not installed, ``fulcrum serve`` not available) are skipped and listed.
See bench/README.md for the targets this is checked against.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fulcrum.aio import run_loop
from fulcrum.testing.competitors import (
    BENCH_MODEL,
    ensure_ccr,
    ensure_litellm,
    start_ccr,
    start_litellm,
)
from fulcrum.testing.loadgen import LoadResult, Target, run_alternating, run_load
from fulcrum.testing.overhead_report import (
    Measured,
    baseline_name,
    format_figures,
    key_figures,
    median_figures,
    print_report,
    write_json,
)
from fulcrum.testing.process import ServerProcess, free_port

ANTHROPIC_MODEL = "claude-sonnet-4-6"
OPENAI_HEADERS = {"Content-Type": "application/json", "Authorization": "Bearer dummy"}
ANTHROPIC_HEADERS = {
    "Content-Type": "application/json",
    "x-api-key": "dummy",
    "anthropic-version": "2023-06-01",
}
Starter = Callable[[str, int, Path], ServerProcess]


def start_upstream(port: int, workdir: Path) -> ServerProcess:
    """The fake OpenAI upstream every target ends at."""
    argv = [sys.executable, "-m", "fulcrum.fakes", "openai", "--port", str(port)]
    return ServerProcess(
        argv,
        port=port,
        health="/",
        any_status=True,
        log=workdir / "upstream.log",
        start_timeout=30.0,
    )


# ---------------------------------------------------------------------------------------------
# FULCRUM START — how the bench starts `fulcrum serve`. Adapt here if the gateway's config or
# health endpoint changes; everything else in this file is gateway-agnostic.
# ---------------------------------------------------------------------------------------------
# The routing brain on (``fulcrum-brain``): a local backend beside the api one (both end at the
# fake upstream), a secrets rule, the learned router holding a 65% local share, a daily budget
# (a reservation in the SQLite ledger per frontier call) and a latency SLO. The bench sends one
# body throughout: a conversation would be pinned after its first request, so conversations
# are not sessions here and every request without a session header is a new decision.
BRAIN = (
    '[backends.local]\nformat = "openai"\nbase_url = "{upstream}"\nkind = "local"\n'
    'models = ["{model}"]\n\n'
    '[policy]\ntarget_local_share = 0.65\notherwise = "learned"\nconversation_sessions = false\n'
    '[[policy.rules]]\nname = "secrets"\nwhen = {{ secrets = true }}\nroute = "local"\n'
    "never_leaves = true\n"
    "[policy.budget]\ndaily_usd = 1000000\n[policy.latency]\nttft_ms_max = 10000\n"
)


def start_fulcrum(
    upstream: str,
    port: int,
    workdir: Path,
    *,
    brain: bool = False,
    env: dict[str, str] | None = None,
    extra: str = "",
) -> ServerProcess:
    """``fulcrum serve --config FILE`` with one OpenAI-format backend: the fake upstream
    (``env``: variables added to the process's environment; ``extra``: more config tables)."""
    config = workdir / "fulcrum.toml"
    config.write_text(
        f'[server]\nhost = "127.0.0.1"\nport = {port}\n\n'
        f'[ledger]\nurl = "sqlite:///{workdir / "ledger.sqlite3"}"\n\n'
        f'[backends.fake]\nformat = "openai"\nbase_url = "{upstream}"\n'
        f'api_key_env = "FULCRUM_BENCH_KEY"\nkind = "api"\nmodels = ["{BENCH_MODEL}"]\n\n'
        f'[routes]\ndefault = "fake/{BENCH_MODEL}"\n'
        f'aliases = {{ "claude-*" = "fake/{BENCH_MODEL}", '
        f'"{BENCH_MODEL}" = "fake/{BENCH_MODEL}" }}\n\n'
        + (BRAIN.format(upstream=upstream, model=BENCH_MODEL) if brain else "")
        + extra
    )
    env = {
        **os.environ,
        "FULCRUM_BENCH_KEY": "dummy",
        "FULCRUM_DATA_DIR": str(workdir / "data"),
        **(env or {}),
    }
    argv = [sys.executable, "-m", "fulcrum", "serve", "--config", str(config)]
    return ServerProcess(
        argv, port=port, health="/healthz", env=env, log=workdir / "fulcrum.log", start_timeout=30.0
    )


def start_fulcrum_brain(upstream: str, port: int, workdir: Path) -> ServerProcess:
    return start_fulcrum(upstream, port, workdir, brain=True)


def start_minimal(upstream: str, port: int, workdir: Path) -> ServerProcess:
    """The floor: one bare aiohttp hop (``bench/minimal_proxy.py``)."""
    script = Path(__file__).with_name("minimal_proxy.py")
    argv = [sys.executable, str(script), "--upstream", upstream, "--port", str(port)]
    return ServerProcess(argv, port=port, health="/healthz", log=workdir / "minimal.log")


def start_lean(upstream: str, port: int, workdir: Path) -> ServerProcess:
    """The floor of any Python hop (``bench/lean_proxy.py``)."""
    script = Path(__file__).with_name("lean_proxy.py")
    argv = [sys.executable, str(script), "--upstream", upstream, "--port", str(port)]
    return ServerProcess(argv, port=port, health="/healthz", log=workdir / "lean.log")


PROMPT = "Say hello in five words."


def _body(path: str, *, stream: bool) -> bytes:
    body: dict[str, object]
    if path == "responses":  # OpenAI's Responses API (Codex CLI's), translated upstream
        body = {"model": BENCH_MODEL, "max_output_tokens": 32, "input": PROMPT}
    else:
        body = {"model": ANTHROPIC_MODEL if path == "anthropic" else BENCH_MODEL,
                "max_tokens": 32, "messages": [{"role": "user", "content": PROMPT}]}  # fmt: skip
    if stream:
        body["stream"] = True
        if path == "openai":
            body["stream_options"] = {"include_usage": True}
    return json.dumps(body).encode()


# each client API a case may speak: (its path, its headers)
CLIENT_APIS = {
    "openai": ("/v1/chat/completions", OPENAI_HEADERS),
    "anthropic": ("/v1/messages", ANTHROPIC_HEADERS),
    "responses": ("/v1/responses", OPENAI_HEADERS),
}


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # the client's API (CLIENT_APIS): "openai" passes through, the others translate
    starter: Starter | None  # None: the upstream itself
    stream: bool = False
    headers: tuple[tuple[str, str], ...] = ()  # added to every request

    def target(self, base_url: str) -> Target:
        endpoint, headers = CLIENT_APIS[self.path]
        return Target(
            self.name,
            base_url + endpoint,
            _body(self.path, stream=self.stream),
            {**headers, **dict(self.headers)},
            stream=self.stream,
        )


# The light targets first, the two heavy peers last: a heavy process leaves the machine busy
# for a while after it stops, which would tax whichever light target came next.
CASES = (
    Case("direct", "openai", None),
    Case("direct-stream", "openai", None, stream=True),
    Case("aiohttp-hop", "openai", start_minimal),
    Case("lean-hop", "openai", start_lean),
    Case("fulcrum", "openai", start_fulcrum),
    Case("fulcrum-stream", "openai", start_fulcrum, stream=True),
    Case("fulcrum-anth", "anthropic", start_fulcrum),
    Case("fulcrum-resp", "responses", start_fulcrum),
    Case("fulcrum-brain", "openai", start_fulcrum_brain),
    # Claude Code's steady state: every request in one session (the header Claude Code sends),
    # so the first is decided and the rest follow the session's pin.
    Case(
        "fulcrum-brain-session",
        "openai",
        start_fulcrum_brain,
        headers=(("x-claude-code-session-id", "3f0c2d9e-bench-session"),),
    ),
    Case("litellm", "openai", start_litellm),
    Case("ccr", "anthropic", start_ccr),
)
BY_NAME = {case.name: case for case in CASES}


# A gateway's serial phase alternates with its baseline's (``direct``, or ``direct-stream``):
# blocks of ALTERNATE_BLOCK requests each, in turns, each on its own warm connection. Its added
# latency is taken against the baseline's requests of the same minute, not against a baseline
# measured before or after it on a machine whose load drifts. Both warm up first.
ALTERNATE_BLOCK = 100


async def _measure(
    case: Case, base_url: str, args: argparse.Namespace, baseline: Target | None = None
) -> Measured:
    target = case.target(base_url)
    around: tuple[LoadResult, ...] = ()
    if baseline is None:
        serial = await run_load(target, requests=args.serial, concurrency=1, warmup=args.warmup)
    else:
        serial, base = await run_alternating(
            [target, baseline], requests=args.serial, block=ALTERNATE_BLOCK, warmup=args.warmup
        )
        around = (base,)
    conc = await run_load(
        target, requests=args.concurrent, concurrency=args.clients, warmup=args.warmup
    )
    for res in (serial, conc, *around):
        if res.errors:
            print(f"  {res.name}: {res.errors} errors (first: {res.first_error})")
    return Measured(case.name, case.path, case.stream, serial, conc, around)


def _run_case(case: Case, upstream: str, work: Path, args: argparse.Namespace) -> Measured:
    root = upstream.removesuffix("/v1")
    if case.starter is None:
        return run_loop(_measure(case, root, args))
    baseline = BY_NAME[baseline_name(case.stream)].target(root)
    with case.starter(upstream, free_port(), work) as server:
        return run_loop(_measure(case, server.base_url, args, baseline))


def run_all(args: argparse.Namespace) -> tuple[list[Measured], dict[str, str]]:
    results: list[Measured] = []
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="fulcrum-bench-") as tmp:
        work = Path(tmp)
        with contextlib.ExitStack() as stack:
            upstream = args.upstream
            if upstream is None:
                fake = stack.enter_context(start_upstream(free_port(), work))
                upstream = fake.base_url + "/v1"
            for case in CASES:
                if args.only and case.name not in args.only:
                    continue
                print(f"measuring {case.name} ...", flush=True)
                try:
                    results.append(_run_case(case, upstream, work, args))
                except Exception as exc:  # a target that cannot start is reported, not fatal
                    skipped[case.name] = f"{type(exc).__name__}: {str(exc)[:300]}"
    return results, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serial", type=int, default=1000, help="serial requests per target")
    parser.add_argument("--concurrent", type=int, default=2000, help="requests at --clients")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--warmup",
        type=int,
        default=1000,
        help="unmeasured requests before each phase: a gateway runs for days, and a new "
        "process's first thousand requests carry one-time costs (the SQLite ledger's WAL "
        "growing to its checkpoint size, the interpreter specializing the hot path)",
    )
    parser.add_argument("--only", nargs="*", help="target names to run (default: all)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--upstream",
        help="an OpenAI upstream base URL (…/v1) already running; "
        "default: start `python -m fulcrum.fakes openai`",
    )
    parser.add_argument("--install-only", action="store_true", help="install LiteLLM and CCR")
    parser.add_argument(
        "--repeat", type=int, default=1, help="whole runs to make; prints each figure's median"
    )
    args = parser.parse_args(argv)
    if args.install_only:
        print(f"litellm: {ensure_litellm()}\nclaude-code-router: {ensure_ccr()}")
        return 0
    figures = []
    for i in range(args.repeat):
        if args.repeat > 1:
            print(f"== run {i + 1} of {args.repeat}", flush=True)
        results, skipped = run_all(args)
        print_report(results, skipped, clients=args.clients)
        figures.append(key_figures(results))
        if args.json:
            suffix = f"-{i + 1}" if args.repeat > 1 else ""
            write_json(args.json.with_stem(args.json.stem + suffix), results, skipped)
    if args.repeat > 1:
        print(f"\n== medians of {args.repeat} runs")
        for line in format_figures(median_figures(figures), args.clients):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
