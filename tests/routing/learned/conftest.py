"""A small generated outcome CSV with a learnable signal: "integral" prompts need the strong
model, "capital" prompts do not."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

WORDS = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "it",
    "that",
    "for",
    "on",
    "with",
    "as",
    "was",
    "at",
    "by",
    "an",
    "be",
    "this",
]
HEADER = ["id", "benchmark", "prompt", "strong_score", "weak_score"]


def write_outcomes(path: Path, rows: int = 240, seed: int = 1) -> Path:
    rng = random.Random(seed)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            hard = i % 2 == 0
            filler = " ".join(rng.choices(WORDS, k=rng.randint(5, 30)))
            topic = "integral" if hard else "capital"
            prompt = f"Question {i}: {filler} {topic} {filler}?"
            weak = 0 if hard and rng.random() < 0.9 else 1
            writer.writerow([f"q{i}", "toy", prompt, 1, weak])
    return path


@pytest.fixture
def outcomes(tmp_path: Path) -> Path:
    return write_outcomes(tmp_path / "outcomes.csv")
