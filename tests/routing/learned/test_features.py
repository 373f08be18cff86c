"""What the model sees: the capped text, the prompt's format, dense counts, agent features."""

from __future__ import annotations

import numpy as np

from fulcrum.routing.learned.features import (
    AGENT_NAMES,
    DENSE_NAMES,
    KIND_TERM,
    TEXT_CAP,
    AgentFeatures,
    cap_text,
    featurize,
    prompt_format,
)


def test_long_text_keeps_its_start_and_its_end() -> None:
    text = "START " + "x" * 10_000 + " END"
    capped = cap_text(text)
    assert len(capped) == TEXT_CAP + 1
    assert capped.startswith("START ") and capped.endswith(" END")
    assert cap_text("short") == "short"


def test_prompt_format() -> None:
    assert prompt_format("Which?\nA. one\nB. two\nC. three\nAnswer:") == "choice"
    assert prompt_format("Fix this:\n```py\ndef f(): pass\n```") == "code"
    assert prompt_format("Janet has 3 apples. How many are left?") == "open"


def test_dense_counts_and_terms() -> None:
    feat = featurize("Tom has 12 apples and 3.5 pears. He eats half. How many?")
    values = dict(zip(DENSE_NAMES, feat.dense, strict=True))
    assert values["numbers"] == np.log1p(3)  # 12, 3 and 5 are number tokens (3.5 splits)
    assert values["number_words"] == np.log1p(1)
    assert values["decimals"] == np.log1p(1)
    assert values["questions"] == np.log1p(1)
    assert feat.tokens[:4] == [b"tom", b"has", b"12", b"apples"]  # punctuation is not a token
    assert feat.format == "open"


def test_the_full_length_counts_beyond_the_cap() -> None:
    short, long = featurize("a" * 100), featurize("a" * 100_000)
    assert long.dense[DENSE_NAMES.index("chars")] == np.log1p(100_000)
    assert long.dense[DENSE_NAMES.index("chars")] > short.dense[DENSE_NAMES.index("chars")]


def test_agent_features_are_zero_when_unknown() -> None:
    unknown = featurize("hello")
    assert unknown.agent.tolist() == [0.0] * len(AGENT_NAMES)
    assert unknown.kind is None
    known = featurize("hello", AgentFeatures(kind="subagent", tools=3, tool_errors=1))
    values = dict(zip(AGENT_NAMES, known.agent, strict=True))
    assert values["agent_known"] == 1.0 and values["tools"] == np.log1p(3)
    assert values["tool_errors"] == np.log1p(1) and values["turn"] == 0.0
    assert known.kind == KIND_TERM + "subagent"
