"""The probe's report as plain text that fits in 80 columns."""

from __future__ import annotations

from typing import Any


def _n(value: float | None, fmt: str = "{:,.1f}") -> str:
    return "-" if value is None else fmt.format(value)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:,.0f}"


def _err(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f}%"


def render(run: dict[str, Any]) -> list[str]:
    res = run["result"]
    pre, dec = res["prefill"], res["decode"]
    itl = dec["inter_token_s"]
    lines = [
        f"probe {run['run_id']}  model {run['model']}  api {run['api']}",
        f"  {run['url']}",
        "",
        f"prefill  {_n(pre['tokens_per_s'])} tok/s (fit; overhead {_ms(pre['overhead_s'])} ms)",
        f"  {'prompt tok':>10}  {'TTFT ms':>9}  {'tok/s':>10}",
    ]
    for p in pre["points"]:
        lines.append(
            f"  {p['prompt_tokens']:>10,}  {_ms(p['ttft_s']):>9}  {_n(p['tokens_per_s']):>10}"
        )
    lines += [
        f"decode   {_n(dec['tokens_per_s'])} tok/s; inter-token ms p50 {_ms(itl['p50'])}"
        f" p90 {_ms(itl['p90'])} p99 {_ms(itl['p99'])}",
        "",
        f"{'conc':>4} {'req':>4} {'agg tok/s':>10} {'TTFT p50':>9} {'p90':>6} {'p99':>6}"
        f" {'lat p50':>8} {'p90':>6} {'p99':>6} {'SLO':>5}",
    ]
    for r in res["concurrency"]:
        t, lat = r["ttft_s"], r["latency_s"]
        lines.append(
            f"{r['concurrency']:>4} {r['requests']:>4} {_n(r['aggregate_tokens_per_s']):>10}"
            f" {_ms(t['p50']):>9} {_ms(t['p90']):>6} {_ms(t['p99']):>6}"
            f" {_ms(lat['p50']):>8} {_ms(lat['p90']):>6} {_ms(lat['p99']):>6}"
            f" {r['slo_met_share'] * 100:>4.0f}%"
        )
    slo = res["slo"]
    lines += [
        "(latencies in ms; SLO: share of requests meeting it)",
        "",
        f"goodput  {res['goodput']} concurrent agents"
        f" ({slo['share'] * 100:.0f}% within TTFT {slo['ttft_s'] * 1000:,.0f} ms"
        f" and >= {slo['min_decode_tps']:g} tok/s)",
    ]
    return lines + _prediction(run.get("prediction"))


def _prediction(pred: dict[str, Any] | None) -> list[str]:
    if not pred:
        return []
    lines = ["", f"model ({pred['hardware']}, {pred['model_id']})  predicted  measured  error"]
    for key in ("decode_tokens_per_s", "prefill_tokens_per_s"):
        row = pred["rates"][key]
        label = key.split("_")[0]
        lines.append(
            f"  {label:<8} tok/s {_n(row['predicted']):>20} {_n(row['measured']):>9}"
            f" {_err(row['error']):>7}"
        )
    return lines


def render_list(runs: list[dict[str, Any]]) -> list[str]:
    if not runs:
        return ["no probe runs stored"]
    lines = [f"{'run id':<24} {'model':<16} {'decode':>8} {'prefill':>9} {'goodput':>7}"]
    for run in runs:
        if "error" in run:  # a stored file that is not a readable run
            lines.append(f"{run['run_id']:<24} unreadable: {run['error']}"[:80])
            continue
        dec = _rate(_at(run, "result", "decode", "tokens_per_s"))
        pre = _rate(_at(run, "result", "prefill", "tokens_per_s"))
        goodput = _at(run, "result", "goodput")
        lines.append(
            f"{run['run_id']:<24} {str(run.get('model', '?'))[:16]:<16} {_n(dec):>8}"
            f" {_n(pre):>9} {'-' if goodput is None else goodput!s:>7}"
        )
    return lines


def _rate(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _at(data: Any, *keys: str) -> Any:
    """``data[k1][k2]…``, or None where a level is missing or not an object (a stored file
    written by hand or by another version)."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
