"""Fixtures for the eval tests: the example suite and small throwaway specs."""

from __future__ import annotations

from pathlib import Path

import pytest

from fulcrum.evals.spec import Spec, load_suite

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"


@pytest.fixture(scope="session")
def example_specs() -> list[Spec]:
    return load_suite(EXAMPLES)
