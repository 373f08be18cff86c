"""What the ``fulcrum router`` commands do, one function each, over files; the CLI only wires
flags to them and prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fulcrum.routing.learned.data import (
    agent_of as _agent_of,
)
from fulcrum.routing.learned.data import (
    keep_part,
    read_examples,
    read_rows,
    split_rows,
    write_rows,
)
from fulcrum.routing.learned.metrics import BenchmarkResult, evaluate
from fulcrum.routing.learned.model import LearnedRouter, load_default, write_params
from fulcrum.routing.learned.train import TrainConfig, train
from fulcrum.settings import Paths

SCORE_COLUMNS: tuple[str, ...] = ("id", "prompt")
LEARNED = "learned"
BASELINES: tuple[str, ...] = ("prompt-length", "random")


def user_model_path(paths: Paths | None = None) -> Path:
    """Where ``fulcrum router train`` writes without ``--out``: ``<data dir>/router/model.npz``."""
    return (paths or Paths.build()).data / "router" / "model.npz"


def open_model(path: Path | None) -> LearnedRouter:
    """The model at ``path``, or the one shipped in the package."""
    return LearnedRouter.load(path) if path is not None else load_default()


@dataclass(frozen=True, slots=True)
class SplitResult:
    train_rows: int
    test_rows: int


def split_file(data: Path, test_share: float, out_train: Path, out_test: Path) -> SplitResult:
    header, rows = read_rows(data, ("id",))  # the split is by a hash of the id
    train_rows, test_rows = split_rows(rows, test_share)
    write_rows(out_train, header, train_rows)
    write_rows(out_test, header, test_rows)
    return SplitResult(len(train_rows), len(test_rows))


@dataclass(frozen=True, slots=True)
class TrainResult:
    path: Path
    version: str
    rows: int
    terms: int
    differing: int  # rows whose two scores differ: the only ones a label is learned from

    def warnings(self) -> list[str]:
        """Why this model cannot tell one request from another, if it cannot."""
        out = []
        if self.differing == 0:
            out.append("no row scores the frontier and the local model differently: every "
                       "label is a tie, so the model learned nothing to route by")  # fmt: skip
        if self.terms == 0:
            out.append("no word occurs in two prompts or more: the model has no text terms "
                       "(give it more rows)")  # fmt: skip
        return out


def train_files(
    data: Sequence[Path],
    out: Path | None,
    hold_out: float | None = None,
    config: TrainConfig | None = None,
) -> TrainResult:
    """Train on every row of ``data``, or on all but the ``hold_out`` share."""
    examples = keep_part(read_examples(data), hold_out, held_out=False)
    params = train(examples, config)
    path = out if out is not None else user_model_path()
    version = write_params(params, path)
    differing = sum(e.strong != e.weak for e in examples)
    return TrainResult(path, version, len(examples), params.n_terms, differing)


def score_file(data: Path, out: Path, model: Path | None) -> int:
    """Write ``id, frontier_score`` for each row of ``data``; returns the number of rows."""
    _, rows = read_rows(data, SCORE_COLUMNS)
    router = open_model(model)
    scored = [
        {
            "id": row["id"],
            "frontier_score": f"{router.score(row['prompt'] or '', _agent_of(row, data, i)):.6f}",
        }
        for i, row in enumerate(rows, start=2)
    ]
    write_rows(out, ("id", "frontier_score"), scored)
    return len(scored)


@dataclass(frozen=True, slots=True)
class EvalResult:
    model_version: str
    benchmarks: list[BenchmarkResult]

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model_version,
            "benchmarks": [b.as_dict() for b in self.benchmarks],
        }


def eval_file(
    data: Sequence[Path], model: Path | None, hold_out: float | None = None
) -> EvalResult:
    """The model and the baselines on ``data`` (or its ``hold_out`` share only): prompt length
    (longer goes strong) and random (its expectation: a constant score, see :mod:`.metrics`)."""
    examples = keep_part(read_examples(data), hold_out, held_out=True)
    router = open_model(model)
    routers = {
        LEARNED: [router.score(e.prompt, e.agent) for e in examples],
        BASELINES[0]: [float(len(e.prompt)) for e in examples],
        BASELINES[1]: [0.0] * len(examples),
    }
    results = evaluate(
        [e.benchmark for e in examples],
        [e.strong for e in examples],
        [e.weak for e in examples],
        routers,
    )
    return EvalResult(model_version=router.version, benchmarks=results)
