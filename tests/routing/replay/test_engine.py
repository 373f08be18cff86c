"""The replay's scorer, and a learned policy replayed over recorded requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fulcrum.errors import InputError
from fulcrum.ledger import open_store
from fulcrum.routing.features import RequestFeatures
from fulcrum.routing.replay.engine import RecordedScorer
from fulcrum.testing.cli import run_cli

from .recorded import at, row, write_files
from .test_cli import replay_json


def feats(text: str = "") -> RequestFeatures:
    return RequestFeatures(api="anthropic", model="claude-sonnet-4-6", text=text)


def test_a_request_without_text_gets_its_recorded_score() -> None:
    scorer = RecordedScorer(lambda f: 0.25)
    scorer.recorded = 0.9
    assert scorer(feats()) == 0.9  # no text: what the gateway scored then
    assert scorer(feats("Design the cache")) == 0.25  # text: the policy's own scorer
    scorer.recorded = None
    assert scorer(feats()) == 0.25  # nothing recorded: the scorer on the agent features
    assert scorer.from_record == 1


def test_without_a_scorer_the_record_decides() -> None:
    scorer = RecordedScorer(None)
    scorer.recorded = 0.4
    assert scorer(feats("anything")) == 0.4 and scorer.from_record == 1


def test_a_learned_policy_replays_with_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        from fulcrum.routing.learned import load_default  # noqa: PLC0415 - may not exist yet

        load_default()
    except (ImportError, InputError) as exc:
        pytest.skip(f"the learned router's shipped model is not available ({exc})")
    _, config, policy = write_files(tmp_path)
    policy.write_text(policy.read_text().replace('otherwise = "frontier"', 'otherwise = "learned"'))
    data = replay_json(capsys, "--config", str(config), "--policy", str(policy))
    learned = sum(n for reason, n in data["reasons"].items() if reason.startswith("learned"))
    assert learned == 7  # every request no rule decides
    assert data["scores_from_record"] == 1  # C1: recorded features, its recorded score
    code, out, _ = run_cli(["route", "replay", "--config", str(config), "--policy",
                            str(policy)], capsys)  # fmt: skip
    assert code == 0 and "used the score recorded in the ledger" in " ".join(out.split())


def test_a_conversation_that_named_no_session_replays_on_its_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two turns of one conversation whose client named no session: with the policy's
    ``conversation_sessions`` (the default) the second follows the first's decision, as the
    gateway would; without it, each is decided anew."""
    ledger, config, policy = write_files(tmp_path)
    first = [{"role": "user", "content": "fix the typo in the docs"}]
    later = [*first, {"role": "assistant", "content": "Done."},
             {"role": "user", "content": "now explain the design"}]  # fmt: skip
    store = open_store(str(ledger))
    try:
        store.insert_many([
            row(None, at(3, 5 + n), local=True, request_body=json.dumps(
                {"model": "claude-sonnet-4-6", "max_tokens": 1000, "messages": messages}))
            for n, messages in enumerate((first, later))
        ])  # fmt: skip
    finally:
        store.close()
    reasons = replay_json(capsys, "--config", str(config), "--policy", str(policy))["reasons"]
    assert reasons.get("sticky") == 1
    text = policy.read_text().replace("[policy]\n", "[policy]\nconversation_sessions = false\n")
    policy.write_text(text)
    anew = replay_json(capsys, "--config", str(config), "--policy", str(policy))["reasons"]
    assert "sticky" not in anew and anew["otherwise"] == reasons["otherwise"] + 1
