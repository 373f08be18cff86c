"""The report's HTML: one self-contained page, the style inlined, no script, nothing fetched."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal
from typing import Any

from rich.text import Text

from fulcrum.costs.labels import InputLabel
from fulcrum.costs.render import reevaluate_line

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"DejaVu Sans",sans-serif;color:#1d1d1f;
 max-width:980px;margin:2em auto;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}
h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
.verdict{background:#f3f6fb;border-left:4px solid #4c72b0;padding:.8em 1em}
.verdict .name{font-size:1.3em;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #eee;vertical-align:top}
.basis-measured{color:#1a7f37;font-weight:600}.basis-assumed{color:#9a6700;font-weight:600}
.met-true{color:#1a7f37}.met-false{color:#6e7781}
figure.chart{margin:1em 0}figure.chart svg{max-width:100%;height:auto}
figcaption{font-size:.88em;color:#555}.missing{color:#6e7781;font-style:italic}
@media print{body{margin:0}h2{break-after:avoid}figure{break-inside:avoid}}
"""


def esc(value: Any) -> str:
    return html.escape(str(value))


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )


def reevaluate_text(due: date, today: date) -> str:
    """``decide``'s re-evaluation line as plain text: the date, or overdue since it."""
    return Text.from_markup(reevaluate_line(due, today)).plain


def dollars(amount: str | Decimal) -> str:
    """An amount (a decision's money string, ``"39600000.00"``) as ``$39,600,000.00``."""
    value = Decimal(amount)
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def share(p: float) -> str:
    """A share to one decimal; 100% and 0% only when exact ("over 99.9%", "under 0.1%")."""
    if 0 < p < 1:
        shown = f"{100 * p:.1f}"
        if shown == "100.0":
            return "over 99.9%"
        if shown == "0.0":
            return "under 0.1%"
        return f"{shown}%"
    return f"{100 * p:.0f}%"


def verdict(d: dict[str, Any], p_best: float | None, today: date) -> str:
    rec = d["recommendation"]
    odds = "" if p_best is None else f" It is the cheapest in {share(p_best)} of the draws."
    due = d["reevaluate_on"]
    when = esc(reevaluate_text(date.fromisoformat(due), today)).replace(
        due, f'<time id="reevaluate" datetime="{esc(due)}">{esc(due)}</time>', 1
    )
    return (
        '<div class="verdict" id="recommendation"><div>Recommendation</div>'
        f'<div class="name">{esc(rec["name"])}</div>'
        f"<div>{dollars(rec['total_monthly'])}/month including a capability tax of "
        f"{dollars(rec['capability_tax_monthly'] or '0')}.{esc(odds)}</div>"
        f"<div>{when}.</div>"
        f"<div>Capability basis: {esc(d['capability_basis'])}</div></div>"
    )


def _option_row(o: dict[str, Any]) -> str:
    tax = o["capability_tax_monthly"]
    why = "; ".join(r["text"] for r in o["why_not"])
    cells = (
        o["name"], o["kind"], dollars(o["money_monthly"]), dollars(tax) if tax else "not assessed",
        dollars(o["total_monthly"]), "yes" if o["eligible"] else f"no: {why}",
    )  # fmt: skip
    return "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>"


def options_table(d: dict[str, Any]) -> str:
    rows = "".join(_option_row(o) for o in d["options"])
    return (
        '<h2>Options</h2><table id="options"><thead><tr><th>option</th><th>kind</th>'
        "<th>money/month</th><th>capability tax/month</th><th>total/month</th><th>eligible</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def rules(d: dict[str, Any]) -> str:
    fired = "".join(
        f"<li><b>{esc(r['id'])}</b>: {esc(r['text'])} <i>({esc(r['evidence'])})</i></li>"
        for r in d["rules_fired"]
    )
    flips = "".join(
        f'<tr class="met-{str(s["met"]).lower()}"><td>{esc(s["text"])}</td>'
        f"<td>{'met' if s['met'] else 'not yet'}</td><td>{esc(s['evidence'])}</td></tr>"
        for s in d["flip_signals"]
    )
    warn = "".join(f"<li>{esc(w)}</li>" for w in d.get("warnings", []))
    return (
        f'<h2>Rules that fired</h2><ul id="rules">{fired}</ul>'
        "<h2>Flip signals</h2><p>What would change the answer, checked against the catalog.</p>"
        f'<table id="flips"><thead><tr><th>signal</th><th>status</th><th>evidence</th></tr></thead>'
        f"<tbody>{flips}</tbody></table>" + (f"<h2>Warnings</h2><ul>{warn}</ul>" if warn else "")
    )


def inputs_table(labels: list[InputLabel]) -> str:
    rows = "".join(
        f'<tr data-input="{esc(x.name)}" data-basis="{esc(x.basis)}"><td>{esc(x.name)}</td>'
        f'<td class="basis-{esc(x.basis)}">{esc(x.basis)}</td><td>{esc(x.value)}</td>'
        f"<td>{esc(x.source)}</td><td>{esc(x.window or '')}</td><td>{esc(x.date or '')}</td></tr>"
        for x in labels
    )
    return (
        '<h2>Inputs: measured or assumed</h2><table id="inputs"><thead><tr><th>input</th>'
        "<th>basis</th><th>value</th><th>source</th><th>window</th><th>date</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
