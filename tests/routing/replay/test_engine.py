"""The replay's scorer, and a learned policy replayed over recorded requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.errors import InputError
from fulcrum.routing.features import RequestFeatures
from fulcrum.routing.replay.engine import RecordedScorer
from fulcrum.testing.cli import run_cli

from .recorded import write_files
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
