"""``fulcrum eval check``: the tests fail on the starting files and pass on the reference."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from fulcrum.evals.sandbox import Limits, make_workroot
from fulcrum.evals.spec import Spec
from fulcrum.evals.workspace import remove, run_tests


@dataclass(frozen=True, slots=True)
class CheckResult:
    spec: str
    start_fails: bool
    solution_passes: bool | None  # None: no reference solution
    detail: str

    @property
    def ok(self) -> bool:
        return self.start_fails and self.solution_passes is not False


def check_spec(spec: Spec, workroot: Path, limits: Limits) -> CheckResult:
    """Run the hidden tests on the starting files and on the reference solution."""
    start = run_tests(spec, spec.starting_files(), workroot / f"{spec.id}-start", limits)
    remove(workroot / f"{spec.id}-start")
    detail = "" if not start.passed else "the tests already pass on the starting files"
    solution: bool | None = None
    if spec.solution_dir is not None:
        ref = run_tests(spec, spec.solution_files(), workroot / f"{spec.id}-solution", limits)
        remove(workroot / f"{spec.id}-solution")
        solution = ref.passed
        if not ref.passed:
            detail = "the tests fail on the reference solution:\n" + ref.output[-1500:]
    return CheckResult(spec.id, not start.passed, solution, detail)


def check_suite(
    specs: list[Spec],
    *,
    workers: int = 2,
    limits: Limits | None = None,
    on_done: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check every spec, ``workers`` at a time; results in the order of ``specs``."""
    workroot = make_workroot()
    lim = limits or Limits()
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(check_spec, spec, workroot, lim) for spec in specs]
            results = []
            for future in futures:
                result = future.result()
                if on_done is not None:
                    on_done(result)
                results.append(result)
        return results
    finally:
        remove(workroot)
