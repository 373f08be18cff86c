"""``fulcrum router eval --plot FILE``: PGR against the strong-call share, one panel per
benchmark, the model beside the baselines. PNG or SVG by the file's suffix (matplotlib, imported
here only, so nothing else pays for it)."""

from __future__ import annotations

from pathlib import Path

from fulcrum.errors import InputError
from fulcrum.routing.learned.metrics import SHARES
from fulcrum.routing.learned.ops import EvalResult

SUFFIXES: tuple[str, ...] = (".png", ".svg")


def write_plot(result: EvalResult, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"--plot {path}: expected a .png or .svg file name")
    import matplotlib  # noqa: PLC0415 - only `eval --plot` pays for it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    panels = result.benchmarks
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4.2 * len(panels), 4.0), squeeze=False, sharey=True
    )
    for ax, bench in zip(axes[0], panels, strict=True):
        for i, (name, r) in enumerate(bench.routers.items()):
            label = f"{name} (APGR {r.apgr:.3f})"
            style = "-" if i == 0 else "--"
            ax.plot(SHARES * 100, r.curve, style, label=label, linewidth=2 if i == 0 else 1.2)
        ax.set_title(f"{bench.benchmark} ({bench.rows} rows)")
        ax.set_xlabel("calls to the strong model (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    axes[0][0].set_ylabel("PGR")
    fig.suptitle(f"learned router {result.model_version}: PGR vs strong-call share")
    fig.tight_layout()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format=suffix[1:], dpi=110)
    except OSError as exc:
        raise InputError(f"--plot {path}: cannot write: {exc.strerror}") from exc
    finally:
        plt.close(fig)
