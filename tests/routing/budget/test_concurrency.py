"""Concurrent reserves never overshoot: threads on one book, and separate processes on one
database (SQLite file or PostgreSQL), each running threads of its own — every call a
transaction, or reserved from each process's leases."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest

from fulcrum.routing.budget import BudgetConfig, Limits, Reservation, open_budget_book

from .conftest import MakeBook

D = Decimal
LIMIT = D(5)
ESTIMATE = D("0.10")  # an upper bound: every call costs 0.05..0.10

# One gateway process: THREADS threads reserve, "call" and settle until the budget refuses.
WORKER = """
import json, random, sys, threading, time
from decimal import Decimal
from fulcrum.routing.budget import BudgetConfig, Limits, Reservation, open_budget_book
url, threads, overrun = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
config = BudgetConfig(limits=Limits(daily_usd=Decimal(5)))
book = open_budget_book(config, url, leased=sys.argv[4] == "1")
print("ready", flush=True)
sys.stdin.readline()  # every process starts together, once all are ready
granted, lat = [], []
def work(seed):
    rng = random.Random(seed)
    while True:
        t = time.perf_counter()
        held = book.reserve("team", Decimal("0.10"))
        lat.append(time.perf_counter() - t)
        if not isinstance(held, Reservation):
            return
        cost = Decimal("0.15") if overrun else Decimal(rng.randint(5, 10)) / 100
        granted.append(cost)
        time.sleep(0.005)  # the call
        book.settle(held, cost)
        time.sleep(0.002)  # the next turn
ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
[t.start() for t in ts]; [t.join() for t in ts]
book.close()
lat.sort()
print(json.dumps({"calls": len(granted), "spent": str(sum(granted, Decimal(0))),
                  "p50_ms": lat[len(lat) // 2] * 1000, "p99_ms": lat[len(lat) * 99 // 100] * 1000}))
"""


def _spend(make_book: MakeBook, threads: int) -> Decimal:
    book = make_book(BudgetConfig(limits=Limits(daily_usd=LIMIT)))
    spent: list[Decimal] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        while isinstance(held := book.reserve(None, ESTIMATE), Reservation):
            cost = D(5 + (i + len(spent)) % 6) / 100
            time.sleep(0.0005)
            book.settle(held, cost)
            with lock:
                spent.append(cost)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert book.status()["global/day"].spent == sum(spent, D(0))
    return sum(spent, D(0))


def test_threads_never_overshoot(make_book: MakeBook) -> None:
    spent = _spend(make_book, threads=8)
    assert LIMIT - ESTIMATE < spent <= LIMIT  # stops only when the next estimate cannot fit


LEASED = pytest.mark.parametrize("leased", [False, True], ids=["transactions", "leased"])


def _processes(
    url: str, n: int, threads: int, overrun: bool, leased: bool
) -> list[dict[str, object]]:
    flags = ["1" if overrun else "0", "1" if leased else "0"]
    argv = [sys.executable, "-c", WORKER, url, str(threads), *flags]
    procs = [
        subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(n)
    ]
    for p in procs:  # imported and connected (a slow start no longer leaves one nothing)
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
    for p in procs:  # then all go at once
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * n
    return [json.loads(out) for out in outs]


@LEASED
def test_two_processes_never_overshoot(shared_url: str, leased: bool) -> None:
    results = _processes(shared_url, n=2, threads=4, overrun=False, leased=leased)
    spent = sum((D(str(r["spent"])) for r in results), D(0))
    assert LIMIT - ESTIMATE < spent <= LIMIT
    assert all(int(str(r["calls"])) > 0 for r in results)  # both processes spent from it
    book = open_budget_book(BudgetConfig(limits=Limits(daily_usd=LIMIT)), shared_url)
    try:
        day = book.status("team")["global/day"]
    finally:
        book.close()
    assert (day.spent, day.reserved) == (spent, D(0))


@LEASED
def test_calls_dearer_than_their_estimate_overshoot_by_at_most_one_per_process(
    shared_url: str, leased: bool
) -> None:
    """Each call costs 0.15 against an estimate of 0.10: one sequential caller per process."""
    results = _processes(shared_url, n=2, threads=1, overrun=True, leased=leased)
    spent = sum((D(str(r["spent"])) for r in results), D(0))
    assert LIMIT - D("0.30") < spent <= LIMIT + 2 * D("0.15")
