"""A run against the real llama.cpp server through the gateway: every attempt recorded."""

from __future__ import annotations

import sqlite3

import pytest

from fulcrum.evals.agents import BuiltinAgent
from fulcrum.evals.chat import Endpoint
from fulcrum.evals.runner import RunPlan, run_plan
from fulcrum.evals.spec import Spec
from fulcrum.evals.store import EvalStore
from fulcrum.settings import Paths
from fulcrum.testing.gateway import running_gateway
from fulcrum.testing.llama import LlamaServer

pytestmark = pytest.mark.llama

GATEWAY = """
[backends.llama]
format = "openai"
base_url = "{url}"
kind = "local"
models = ["{model}"]

[routes]
default = "llama"
"""


def test_tiny_model_fails_every_spec(example_specs: list[Spec], llama_server: LlamaServer) -> None:
    specs = example_specs
    config = GATEWAY.format(url=llama_server.base_url, model=llama_server.model)
    store = EvalStore(Paths.build().ledger_sqlite)
    with running_gateway(config) as gw:
        endpoint = Endpoint(gw.openai_base_url, llama_server.model, max_tokens=32)
        plan = RunPlan("llama", specs, [endpoint], BuiltinAgent(tries=1), workers=2)
        summary = run_plan(plan, store, suite="examples/specs", progress=False)
    records = store.attempts("llama")
    store.close()
    assert summary.ran == len(records) == len(specs)
    assert not any(r.passed for r in records)
    assert all(r.status == "failed" and r.output_tokens > 0 for r in records), records
    db = sqlite3.connect(Paths.build().ledger_sqlite)
    (calls,) = db.execute("SELECT COUNT(*) FROM ledger_calls").fetchone()
    db.close()
    assert calls >= len(specs)
