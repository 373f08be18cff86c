"""Runs: every (model, spec, epoch) attempt in a fresh copy, in parallel, resumable.

Attempts already recorded for the run id are skipped, so running the same run again after an
interruption finishes the rest. A run id already recorded with another configuration (models,
specs, epochs, agent: the spec and model sets, not their order) is refused, so two different
runs never merge under one id. Attempts recorded as ``error`` (the model or agent could not be
reached, nothing was tested, or the loop was cut short) are not results: the summary counts
them, ``fulcrum eval run`` exits 1, and the next run of the same id retries them.
An interruption (Ctrl-C) cancels the attempts not started, records the ones in flight when they
finish, and re-raises.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fulcrum.errors import FulcrumError, InputError
from fulcrum.evals.agents import Agent, AgentOutcome, Task
from fulcrum.evals.chat import Endpoint
from fulcrum.evals.sandbox import Limits, make_workroot
from fulcrum.evals.spec import Spec
from fulcrum.evals.store import AttemptRecord, EvalStore, session_id
from fulcrum.evals.workspace import Verdict, fresh_copy, remove, run_tests

DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class RunPlan:
    run_id: str
    specs: list[Spec]
    endpoints: list[Endpoint]
    agent: Agent
    epochs: int = 1
    workers: int = 2
    limits: Limits = DEFAULT_LIMITS

    def jobs(self) -> list[tuple[Endpoint, Spec, int]]:
        return [
            (ep, spec, epoch)
            for epoch, ep, spec in itertools.product(
                range(1, self.epochs + 1), self.endpoints, self.specs
            )
        ]


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    ran: int
    skipped: int
    seconds: float
    errors: int = 0  # attempts recorded as ``error`` (retried by the next run of the same id)


def _status(outcome: AgentOutcome) -> str:
    verdict = outcome.verdict
    if verdict is None:
        return "error"
    if verdict.passed:
        return "passed"
    return "timeout" if verdict.timed_out else "failed"


def run_attempt(
    plan: RunPlan, endpoint: Endpoint, spec: Spec, epoch: int, workroot: Path
) -> AttemptRecord:
    """One attempt: a fresh copy for the agent, a fresh copy per test run, then cleanup."""
    base = workroot / f"{spec.id}.{epoch}.{uuid.uuid4().hex[:8]}"
    base.mkdir()
    counter = itertools.count(1)

    def test(files: dict[str, str]) -> Verdict:
        return run_tests(spec, files, base / f"test-{next(counter)}", plan.limits)

    start = time.monotonic()
    try:
        task = Task(spec, endpoint, fresh_copy(spec, base / "work"), test,
                    session=session_id(plan.run_id, endpoint.model, spec.id, epoch))  # fmt: skip
        try:
            outcome = plan.agent.solve(task)
        except InputError:
            raise
        except FulcrumError as exc:
            outcome = AgentOutcome(None, 0, 0, 0, exc.message)
        except Exception as exc:  # a broken attempt must not stop the run; it is retried later
            outcome = AgentOutcome(None, 0, 0, 0, f"{type(exc).__name__}: {exc}")
    finally:
        remove(base)
    verdict = outcome.verdict
    return AttemptRecord(
        model=endpoint.model, spec_id=spec.id, epoch=epoch, spec_group=spec.group,
        passed=bool(verdict and verdict.passed), status=_status(outcome), tries=outcome.tries,
        input_tokens=outcome.input_tokens, output_tokens=outcome.output_tokens,
        duration_s=time.monotonic() - start, error=outcome.error,
        output_tail=verdict.output[-2000:] if verdict else "",
    )  # fmt: skip


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]eval[/bold] {task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=Console(stderr=True), disable=not enabled, transient=False,
    )  # fmt: skip


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between a recorded run's configuration and this one, in words."""
    out = []
    for key in sorted(old.keys() & new.keys()):
        was, now = old[key], new[key]
        if isinstance(was, list) and isinstance(now, list):
            gone, added = sorted(set(was) - set(now)), sorted(set(now) - set(was))
            if gone or added:
                out.append(f"{key} {', '.join(map(str, was))} now {', '.join(map(str, now))}"
                           if key == "models" else
                           f"{key}: {len(added)} added, {len(gone)} missing")  # fmt: skip
        elif was != now:
            out.append(f"{key} {was} now {now}")
    return out


def _check_resume(run_id: str, suite: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    """A recorded run id resumes only the same run; anything else would merge two runs."""
    diff = _differences(old, new)
    if diff:
        raise InputError(f"--run-id: run {run_id!r} was recorded with another configuration "
                         f"(suite {suite}): {'; '.join(diff)}; pick another run id",
                         param="--run-id")  # fmt: skip


def run_plan(
    plan: RunPlan,
    store: EvalStore,
    *,
    suite: str,
    progress: bool = True,
    on_record: Callable[[AttemptRecord], None] | None = None,
) -> RunSummary:
    """Run every attempt of ``plan`` not yet recorded under its run id."""
    started = time.monotonic()
    config = {"models": [e.model for e in plan.endpoints], "epochs": plan.epochs,
              "agent": plan.agent.name, "specs": [s.id for s in plan.specs]}  # fmt: skip
    recorded = store.ensure_run(plan.run_id, suite, config)
    if recorded is not None:
        _check_resume(plan.run_id, *recorded, config)
    done = store.done_keys(plan.run_id)
    pending = [j for j in plan.jobs() if (j[0].model, j[1].id, j[2]) not in done]
    workroot = make_workroot()
    lock = threading.Lock()
    ran = errors = 0
    try:
        with _progress(progress) as bar, ThreadPoolExecutor(max(1, plan.workers)) as pool:
            task_id = bar.add_task(plan.run_id, total=len(pending))
            futures: set[Future[AttemptRecord]] = {
                pool.submit(run_attempt, plan, ep, spec, epoch, workroot)
                for ep, spec, epoch in pending
            }
            try:
                while futures:
                    finished, futures = wait(futures, return_when=FIRST_COMPLETED)
                    for future in finished:
                        rec = future.result()
                        with lock:
                            store.record(plan.run_id, rec)
                            ran += 1
                            errors += rec.status == "error"
                        bar.advance(task_id)
                        if on_record is not None:
                            on_record(rec)
            except BaseException:
                for future in futures:
                    future.cancel()
                for future in futures:
                    if not future.cancelled() and future.exception() is None:
                        store.record(plan.run_id, future.result())
                raise
    finally:
        remove(workroot)
    return RunSummary(plan.run_id, ran, len(plan.jobs()) - len(pending),
                      time.monotonic() - started, errors)  # fmt: skip
