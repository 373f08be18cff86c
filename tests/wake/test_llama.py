"""The wake-filter against the real llama.cpp server: constrained output, valid every call."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

from fulcrum.cli import main
from fulcrum.ledger import open_store
from fulcrum.testing.gateway import running_gateway
from fulcrum.testing.llama import LlamaServer

from .helpers import ANSWER, config, post

EVENTS = [
    "CI failed on main: 3 tests in tests/api/test_auth.py",
    "lgtm, ship it",
    "Dependabot: bump urllib3 from 2.2.1 to 2.2.2 (security fix)",
    "@agent can you rebase PR #412 onto main?",
    "weekly newsletter: 5 tips for better commit messages",
    "Deploy to production failed: health check timed out",
    "ok",
    "Review requested on PR #77: please look at the migration " + "very " * 60 + "carefully",
]
CI = '[wake.filters.ci]\nlabels = ["page", "later", "noise"]\nwake_labels = ["page"]'


@pytest.mark.llama
def test_every_answer_of_the_tiny_model_is_schema_valid(llama_server: LlamaServer) -> None:
    text = config(llama_server.base_url, model=llama_server.model, wake=CI)
    calls = [("/v1/wake", e) for e in EVENTS] + [("/v1/wake/ci", e) for e in EVENTS]
    with running_gateway(text) as gw, ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda c: post(gw, c[0], {"event": c[1]}), calls))
        gw.stop()
    for (path, _), (status, body) in zip(calls, answers, strict=True):
        assert status == 200
        ANSWER.validate(body)
        # constrained decoding: well formed on the first try, never the fallback
        assert (body["fallback"], body["tries"]) == (False, 1), body
        labels = ("page", "later", "noise") if path.endswith("/ci") else ("wake", "ignore")
        assert body["label"] in labels
        assert body["wake"] is (body["label"] in ("page", "wake"))
        assert body["usage"]["output_tokens"] > 0
    rows = open_store(None).rows()
    assert len(rows) == len(calls)
    assert {r.id for r in rows} == {b["id"] for _, b in answers}
    assert all(r.backend == "small" and r.backend_kind == "local" for r in rows)
    assert all(r.tool_retries == 0 and len(r.attempts) == 1 for r in rows)
    assert all(r.cost_usd is not None and r.cost_usd > 0 for r in rows)  # the machine's time
    assert all(r.counterfactual_usd is not None and r.counterfactual_usd > 0 for r in rows)
    assert all(r.saving_usd == r.counterfactual_usd - r.cost_usd for r in rows if r.saving_usd)


@pytest.mark.llama
def test_an_anthropic_format_backend_is_validated_without_a_server_constraint(
    llama_server: LlamaServer,
) -> None:
    """llama.cpp's /v1/messages gets the schema in words only (constraint "none"): its answers
    are still checked, and whatever the random model writes ends as a decision, never a 5xx."""
    text = config(llama_server.base_url, model=llama_server.model, fmt="anthropic")
    with running_gateway(text) as gw:
        answers = [post(gw, "/v1/wake", {"event": e}) for e in EVENTS[:3]]
    for status, body in answers:
        assert status == 200
        ANSWER.validate(body)
        assert body["tries"] in (1, 2)


@pytest.mark.llama
def test_replay_on_the_real_server_reports_and_the_ledger_holds_every_call(
    llama_server: LlamaServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = Path(__file__).parents[2] / "examples" / "wake" / "events.jsonl"
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(sample.read_text().splitlines()[:14]) + "\n")  # 12 events
    path = tmp_path / "gateway.toml"
    path.write_text(config(llama_server.base_url, model=llama_server.model))
    try:
        main(["wake", "replay", str(events), "--config", str(path), "--json"])
    except SystemExit as exc:
        assert not exc.code
    report = json.loads(capsys.readouterr().out)
    assert (report["decided"], report["fallbacks"], report["retried"]) == (12, 0, 0)
    assert report["agreement"]["labelled"] == 12 and report["wake_rate"] is not None
    assert report["cost"]["ledger_rows"] == 12 and len(open_store(None).rows()) == 12
    local, frontier = (Decimal(report["cost"][k]) for k in ("local_usd", "frontier_usd"))
    assert 0 < local < frontier
    assert Decimal(report["projection"]["saving_usd_per_month"]) > 0
