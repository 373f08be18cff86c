"""The ``/ui`` page: inline style and script, polling ``/ui/data.json``; nothing from another host.

The page is ``data/dashboard.html`` with the report's style and the poll interval filled in. A
client key given as ``/ui#key=...`` stays in the browser (the fragment is never sent) and goes
with each poll as ``x-api-key``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fulcrum.report.page import STYLE


@cache
def _template() -> str:
    return resources.files("fulcrum.report").joinpath("data", "dashboard.html").read_text("utf-8")


def page(refresh_s: float) -> str:
    return _template().replace("__STYLE__", STYLE).replace("__REFRESH__", repr(float(refresh_s)))
