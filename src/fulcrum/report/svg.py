"""Matplotlib figures as inline SVG: self-contained, offline, text kept as text.

Every chart is one ``<figure class="chart" data-chart=NAME>`` holding the SVG. The drawn data
(lines, bars, points) carry ids starting ``NAME-mark`` (matplotlib's ``gid``), so a browser can
count a chart's marks in the DOM. Matplotlib is imported here only, on first use. Text stays
text in the SVG, so a name in a script the plotting font lacks (CJK) is drawn by the browser's
fonts; matplotlib's warning about the missing glyphs is silenced while the SVG is made.
"""

from __future__ import annotations

import html
import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

_HEAD = re.compile(r"^.*?(?=<svg)", re.S)
_WHOLE = re.compile(r"^(\D*)(\d+)(.*)$")
WIDTH, HEIGHT = 7.0, 3.6  # inches


def pyplot() -> Any:
    import matplotlib  # noqa: PLC0415 - only the report and the dashboard pay for it

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "fulcrum",
            "text.parse_math": False,  # a "$" in a name a client chose is text, not TeX
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


@contextmanager
def figure(width: float = WIDTH, height: float = HEIGHT) -> Iterator[tuple[Any, Any]]:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(width, height))
    try:
        yield fig, ax
    finally:
        plt.close(fig)


@cache
def _plain_formatter() -> type:
    from matplotlib.ticker import ScalarFormatter  # noqa: PLC0415 - matplotlib on first use

    class Plain(ScalarFormatter):
        """Matplotlib's tick labels without an offset or a "1e7" multiplier, digits grouped."""

        def __init__(self) -> None:
            super().__init__(useOffset=False)
            self.set_scientific(False)

        def __call__(self, x: float, pos: int | None = None) -> str:
            text = super().__call__(x, pos)
            found = _WHOLE.match(text)
            return f"{found[1]}{int(found[2]):,}{found[3]}" if found else text

    return Plain


def plain_amounts(axis: Any) -> None:
    """Amounts on ``axis`` in full (40,000,000), never as a multiplier beside the label; a
    horizontal axis gets fewer ticks, so that labels that long do not run into each other."""
    from matplotlib.axis import XAxis  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    axis.set_major_formatter(_plain_formatter()())
    if isinstance(axis, XAxis):
        axis.set_major_locator(MaxNLocator(nbins=4))


def mark(artists: Any, name: str, index: int) -> None:
    """Give drawn data an id the browser test can find: ``NAME-mark-INDEX[-k]``."""
    items = (
        list(artists)
        if isinstance(artists, list | tuple) or hasattr(artists, "__iter__")
        else [artists]
    )
    for k, artist in enumerate(items):
        artist.set_gid(f"{name}-mark-{index}-{k}")


def to_svg(fig: Any, name: str, caption: str) -> str:
    """The figure as an inline ``<figure>``; ``caption`` says what it shows."""
    buf = io.StringIO()
    with warnings.catch_warnings():  # a glyph the font lacks (CJK) still goes out as text
        warnings.filterwarnings("ignore", r"Glyph \d+ .*missing from font", UserWarning)
        fig.tight_layout()
        fig.savefig(buf, format="svg")
    svg = _HEAD.sub("", buf.getvalue(), count=1)
    return (
        f'<figure class="chart" data-chart="{html.escape(name)}">{svg}'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )
