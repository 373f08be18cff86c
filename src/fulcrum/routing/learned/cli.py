"""``fulcrum router``: split, train, score and evaluate the learned router.

    fulcrum router split DATA.csv --test-share 0.2 --out-train A.csv --out-test B.csv
    fulcrum router train DATA.csv [DATA2.csv ...] [--out MODEL] [--hold-out SHARE]
    fulcrum router score DATA.csv --out OUT.csv [--model MODEL]
    fulcrum router eval DATA.csv [--model MODEL] [--plot FILE] [--json] [--hold-out SHARE]
    fulcrum router outcomes [RUN_ID] --frontier MODEL --local MODEL --out OUT.csv [--suite DIR]
    fulcrum router signals --out OUT.csv [--ledger-url URL] [--since DAY] [--until DAY]
                           [--retry-window-s 120] [--json]

``--hold-out SHARE`` picks the same rows as ``split --test-share SHARE``: ``train`` leaves them
out, ``eval`` keeps only them, so the split needs no files in between.

Without ``--model`` the model shipped in the package scores; without ``--out`` ``train`` writes
``<data dir>/router/model.npz`` (``$FULCRUM_DATA_DIR`` or the user data dir).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from fulcrum.routing.learned import ops
from fulcrum.routing.learned.outcomes import eval_outcomes
from fulcrum.routing.learned.report import eval_table
from fulcrum.routing.outcomes.cli import signals_command
from fulcrum.settings import Paths
from fulcrum.textfiles import check_outputs

ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", help="Model file (.npz); default: the model shipped with fulcrum."),
]
DataArg = Annotated[Path, typer.Argument(help="CSV: prompt, strong_score, weak_score, ...")]
HoldOut = Annotated[
    float | None,
    typer.Option("--hold-out", help="Share held out by a hash of id, as split --test-share."),
]


def split_cmd(
    data: Annotated[Path, typer.Argument(help="CSV to split; every column is kept.")],
    out_train: Annotated[Path, typer.Option("--out-train", help="CSV of the training rows.")],
    out_test: Annotated[Path, typer.Option("--out-test", help="CSV of the held-out rows.")],
    test_share: Annotated[
        float, typer.Option("--test-share", help="Share held out, by a hash of the id.")
    ] = 0.2,
) -> None:
    """Split a CSV into train and held-out rows, deterministically by a hash of `id`."""
    check_outputs({"DATA": data}, {"--out-train": out_train, "--out-test": out_test})
    result = ops.split_file(data, test_share, out_train, out_test)
    typer.echo(f"{out_train}: {result.train_rows} rows; {out_test}: {result.test_rows} rows")


def train_cmd(
    data: Annotated[list[Path], typer.Argument(help="CSV files: prompt, strong_score, ...")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Model file; default <data dir>/router/model.npz.")
    ] = None,
    hold_out: HoldOut = None,
) -> None:
    """Train a model from outcome rows (numpy only, deterministic); --hold-out: train part only."""
    result = ops.train_files(data, out, hold_out)
    typer.echo(
        f"wrote {result.path} (model {result.version}): {result.rows} rows, {result.terms} terms"
    )
    for warning in result.warnings():
        typer.echo(f"warning: {warning}", err=True)


def score_cmd(
    data: Annotated[Path, typer.Argument(help="CSV with id and prompt (agent columns optional).")],
    out: Annotated[Path, typer.Option("--out", help="CSV written: id, frontier_score.")],
    model: ModelOpt = None,
) -> None:
    """Score each row: frontier_score in [0, 1], higher = send to the frontier."""
    check_outputs({"DATA": data, "--model": model}, {"--out": out})
    rows = ops.score_file(data, out, model)
    typer.echo(f"wrote {out}: {rows} rows")


def eval_cmd(
    data: DataArg,
    model: ModelOpt = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write PGR curves to a .png or .svg file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of the table.")] = False,
    hold_out: HoldOut = None,
) -> None:
    """APGR, CPT(50%) and CPT(80%) per benchmark, against prompt-length and random routers."""
    result = ops.eval_file([data], model, hold_out)
    if plot is not None:
        from fulcrum.routing.learned.plot import write_plot  # noqa: PLC0415 - matplotlib

        write_plot(result, plot)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        typer.echo(eval_table(result))


def outcomes_cmd(
    out: Annotated[Path, typer.Option("--out", help="CSV written, the training columns.")],
    frontier: Annotated[str, typer.Option("--frontier", help="The frontier model of the pair.")],
    local: Annotated[str, typer.Option("--local", help="The local model of the pair.")],
    run_id: Annotated[str | None, typer.Argument(help="Eval run id (default: the newest).")] = None,
    suite: Annotated[
        Path | None, typer.Option("--suite", help="Spec suite (default: the run's own).")
    ] = None,
) -> None:
    """Training rows from an eval run's paired per-spec results (instruction, two pass rates)."""
    db = Paths.build().ledger_sqlite
    result = eval_outcomes(db, out, frontier=frontier, local=local, run_id=run_id, suite=suite)
    gone = f" ({result.skipped} specs no longer in the suite)" if result.skipped else ""
    typer.echo(f"wrote {out}: {result.rows} rows from run {result.run_id}{gone}")


def register(app: typer.Typer) -> None:
    router = typer.Typer(help="Train, score and evaluate the learned router.", no_args_is_help=True)
    router.command("split")(split_cmd)
    router.command("train")(train_cmd)
    router.command("score")(score_cmd)
    router.command("eval")(eval_cmd)
    router.command("outcomes")(outcomes_cmd)
    router.command("signals")(signals_command)
    app.add_typer(router, name="router")
