"""The whole harness: two scripted models through the real gateway over the example suite."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator

import pytest
from scipy import stats as sps

from fulcrum.evals.agents import BuiltinAgent
from fulcrum.evals.chat import Endpoint
from fulcrum.evals.runner import RunPlan, run_plan
from fulcrum.evals.scripted import ScriptedModel, serve_in_thread
from fulcrum.evals.spec import Spec
from fulcrum.evals.store import AttemptRecord, EvalStore
from fulcrum.evals.views import summaries
from fulcrum.settings import Paths
from fulcrum.testing.gateway import running_gateway

GATEWAY = """
[backends.scripted]
format = "openai"
base_url = "{url}"
kind = "api"
provider = "scripted"
models = ["local-model", "frontier-model"]

[routes]
default = "scripted"
"""


def outcome_map(specs: list[Spec]) -> dict[str, dict[str, bool]]:
    """Both pass 16, only local 2, only frontier 8, neither the rest (the brief's 2/8 split)."""
    ids = [s.id for s in specs]
    both, local_only, frontier_only = ids[:16], ids[16:18], ids[18:26]
    return {
        "local-model": {i: i in both or i in local_only for i in ids},
        "frontier-model": {i: i in both or i in frontier_only for i in ids},
    }


@pytest.fixture
def scripted(example_specs: list[Spec]) -> Iterator[tuple[ScriptedModel, str]]:
    model = ScriptedModel(example_specs, outcome_map(example_specs))
    with serve_in_thread(model) as url:
        yield model, url


def test_two_models_through_the_gateway(
    example_specs: list[Spec], scripted: tuple[ScriptedModel, str]
) -> None:
    model, url = scripted
    store = EvalStore(Paths.build().ledger_sqlite)
    with running_gateway(GATEWAY.format(url=url.removesuffix("/v1"))) as gw:
        endpoints = [Endpoint(gw.openai_base_url, m) for m in ("local-model", "frontier-model")]
        plan = RunPlan("e2e", example_specs, endpoints, BuiltinAgent(tries=1), workers=2)
        summary = run_plan(plan, store, suite="examples/specs", progress=False)
    records = store.attempts("e2e")
    costs = store.ledger_costs("e2e")
    store.close()
    n = len(example_specs)
    assert len(costs) == 2 * n and all(calls == 1 for _, calls in costs.values())
    assert summary.ran == len(records) == 2 * n
    assert len(model.calls) == 2 * n and all(spec for _, spec in model.calls)
    expected = outcome_map(example_specs)
    for rec in records:
        assert rec.passed == expected[rec.model][rec.spec_id], rec
        assert rec.input_tokens > 0 and rec.output_tokens > 0

    models, pair, _ = summaries(records, "local-model", "frontier-model", run_id="e2e", costs=costs)
    by_name = {m.model: m for m in models}
    assert all(m.metered_calls == n for m in models)
    for name, k in (("local-model", 18), ("frontier-model", 24)):
        ci = sps.binomtest(k, n).proportion_ci(method="wilson")
        assert by_name[name].passed == k
        assert by_name[name].wilson_95 == pytest.approx((ci.low, ci.high), abs=1e-9)
    assert pair is not None
    assert (pair.candidate_only, pair.reference_only) == (2, 8)
    assert pair.mcnemar_p == pytest.approx(sps.binomtest(2, 10, 0.5).pvalue)
    assert pair.gap == pytest.approx(6 / n)
    groups: dict[str, list[float]] = {}
    for spec in example_specs:
        d = float(expected["frontier-model"][spec.id]) - float(expected["local-model"][spec.id])
        groups.setdefault(spec.cluster, []).append(d)
    rng, names, draws = random.Random(3), sorted(groups), []
    for _ in range(6000):
        picked = [groups[rng.choice(names)] for _ in names]
        draws.append(sum(map(sum, picked)) / sum(map(len, picked)))
    draws.sort()
    assert pair.gap_ci_95[0] == pytest.approx(draws[int(0.025 * len(draws))], abs=0.035)
    assert pair.gap_ci_95[1] == pytest.approx(draws[int(0.975 * len(draws))], abs=0.035)


def test_interrupt_then_resume(
    example_specs: list[Spec], scripted: tuple[ScriptedModel, str]
) -> None:
    model, url = scripted
    specs = [s for s in example_specs if "tests" not in s.tags][:8]
    store = EvalStore(Paths.build().ledger_sqlite)
    plan = RunPlan("resume", specs, [Endpoint(url, "local-model")], BuiltinAgent(tries=1),
                   epochs=2, workers=2)  # fmt: skip
    seen: list[AttemptRecord] = []

    def interrupt(rec: AttemptRecord) -> None:
        seen.append(rec)
        if len(seen) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_plan(plan, store, suite="s", progress=False, on_record=interrupt)
    first = {r.key: r for r in store.attempts("resume")}
    assert 5 <= len(first) < 16
    calls_before = len(model.calls)
    summary = run_plan(plan, store, suite="s", progress=False)
    assert summary.skipped == len(first)
    assert summary.ran == 16 - len(first) == len(model.calls) - calls_before
    final = store.attempts("resume")
    assert sorted(r.key for r in final) == sorted(p for p in {r.key for r in final})
    assert len(final) == 16
    db = sqlite3.connect(Paths.build().ledger_sqlite)
    rows = db.execute("SELECT COUNT(*) FROM eval_attempts WHERE run_id = 'resume'").fetchone()
    db.close()
    store.close()
    assert rows == (16,)
