"""A local option's memory fit, decode/prefill speed and the boxes its traffic needs.

The fit comes first (:mod:`fulcrum.costs.fit`): a model that does not fit gets no speed and
no box count. Otherwise the throughput model gives one call's latency and the M/M/c queue
(:mod:`fulcrum.costs.concurrency`) the fewest boxes that keep the mean latency within the
scenario's target; ``share`` scales the traffic (a hybrid's local share). An option carrying
a probe run's measurements (``MEASURED`` in its table) uses the measured decode and prefill
rates instead of the model's, and at least as many boxes as its local agents over the
measured goodput.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from fulcrum.catalog import Catalog
from fulcrum.costs.concurrency import MAX_BOXES, Queueing, boxes_needed, shared_latency
from fulcrum.costs.fit import MemoryFit, memory_fit
from fulcrum.costs.scenario import HardwareOption, Scenario
from fulcrum.costs.throughput import (
    Estimate,
    ThroughputParams,
    estimate,
    hardware_class,
    model_workload,
)

MEASURED = "measured_speed"  # option table key: decode/prefill tokens/s, goodput_agents


@dataclass(frozen=True)
class OptionSpeed:
    fit: MemoryFit
    estimate: Estimate | None = None  # None when the model does not fit
    queue: Queueing | None = None  # None when no box count meets the target
    service_s: float = 0.0
    one_box: Queueing | None = None
    target_s: float = 0.0
    calls_per_hour: float = 0.0  # of all the agents' traffic this option carries

    @property
    def boxes(self) -> int:
        return self.queue.boxes if self.queue else 1

    def capacity_problem(self) -> str | None:
        """Why the target latency cannot be met, with the numbers; None when it can."""
        if self.estimate is None or self.queue is not None:
            return None
        if self.service_s > self.target_s:
            return (
                f"one call alone takes {self.service_s:,.1f} s, over the "
                f"{self.target_s:g} s target latency"
            )
        util = self.one_box.utilisation if self.one_box else 0.0
        return (
            f"{self.calls_per_hour:,.0f} calls/hour x {self.service_s:,.1f} s = "
            f"{util:,.1f} boxes of work; more than {MAX_BOXES:,} boxes needed for the "
            f"{self.target_s:g} s target"
        )

    def as_detail(self) -> dict[str, object]:
        out: dict[str, object] = dict(self.fit.as_detail())
        if self.estimate is None or self.one_box is None:
            return out
        prefill = self.estimate.prefill_tokens_per_s
        one = self.one_box.latency_s
        out.update(
            {
                "decode_tokens_per_s": round(self.estimate.decode_tokens_per_s, 1),
                "prefill_tokens_per_s": None if prefill is None else round(prefill),
                "call_latency_s": round(self.service_s, 1),
                "one_box_latency_s": None if one == float("inf") else round(one, 1),
                "one_box_utilisation": round(self.one_box.utilisation, 2),
                "meets_latency_target": self.queue is not None,
            }
        )
        return out


DEFAULT_CALLS_PER_AGENT_HOUR = 12.0
DEFAULT_OUTPUT_TOKENS_PER_CALL = 500


def agent_call_rate(sc: Scenario) -> float:
    """Calls per agent-hour the queue carries: ``[concurrency]``'s (12 by default), or more
    when ``[api]``'s daily output tokens need more calls of ``output_tokens`` each even if
    they were spread over all 24 hours (the volume priced is the volume served)."""
    return max(_call_shape(sc)[0], volume_call_rate(sc))


def _call_shape(sc: Scenario) -> tuple[float, int]:
    """``[concurrency]``'s calls per agent-hour and output tokens per call (or the defaults)."""
    conc = sc.section("concurrency") or {}
    rate = float(conc.get("calls_per_agent_hour", DEFAULT_CALLS_PER_AGENT_HOUR))
    return rate, int(conc.get("output_tokens", DEFAULT_OUTPUT_TOKENS_PER_CALL))


def volume_call_rate(sc: Scenario) -> float:
    """The fewest calls per agent-hour that carry ``[api]``'s daily output tokens (0 when it
    states a bill, not tokens)."""
    return sc.api.output_tokens / (_call_shape(sc)[1] or 1) / 24.0


def volume_warning(sc: Scenario) -> tuple[str, ...]:
    """The warning that ``[concurrency]``'s call rate is too low for ``[api]``'s volume."""
    rate, per_call = _call_shape(sc)
    floor = volume_call_rate(sc)
    if floor <= rate:
        return ()
    return (
        f"concurrency.calls_per_agent_hour: {rate:g} calls/agent-hour of {per_call:,} output "
        f"tokens carry at most {rate * per_call * 24:,.0f} output tokens an agent-day; [api] "
        f"states {sc.api.output_tokens:,}: the queue uses {floor:,.1f} calls/agent-hour (that "
        "volume over 24 hours; set the rate your agents make while they work)",
    )


def _measured(opt: HardwareOption, est: Estimate) -> Estimate:
    """A probe run's measured rates (:mod:`fulcrum.costs.probe_inputs`) over the model's."""
    m = opt.table.get(MEASURED) or {}
    decode = m.get("decode_tokens_per_s") or est.decode_tokens_per_s
    prefill = m.get("prefill_tokens_per_s") or est.prefill_tokens_per_s
    return replace(est, decode_tokens_per_s=float(decode), prefill_tokens_per_s=prefill)


def _goodput_floor(
    opt: HardwareOption, queue: Queueing | None, share: float, rate: float
) -> Queueing | None:
    """With a measured goodput (the most concurrent agents one box serves within the SLO),
    no fewer boxes than the local agents over it."""
    goodput = int((opt.table.get(MEASURED) or {}).get("goodput_agents") or 0)
    if queue is None or goodput < 1:
        return queue
    need = math.ceil(queue.agents * share / goodput)
    if need <= queue.boxes:
        return queue
    return shared_latency(queue.agents, rate, queue.service_s, need)


def option_speed(
    sc: Scenario,
    catalog: Catalog,
    opt: HardwareOption,
    share: float = 1.0,
    params: ThroughputParams | None = None,
) -> OptionSpeed | None:
    """Fit, speed and boxes of ``opt``'s local model (None without hardware or model)."""
    if opt.tier is None or opt.local_model is None:
        return None
    spec = catalog.models[opt.local_model]
    conc = sc.section("concurrency") or {}
    context = int(conc.get("context_tokens", 8000))
    bits = catalog.quants[opt.quant].bits_per_weight
    fit = memory_fit(spec, opt.quant, bits, opt.tier.memory_gb, context)
    if fit.fits is not True or spec.total_params_b is None:
        return OptionSpeed(fit)
    work = model_workload(spec, bits, context)
    est = estimate(
        work,
        opt.tier.bandwidth_gbps,
        backend=opt.tier.backend,
        compute_tflops=opt.tier.compute_tflops,
        params=params,
        hw_class=hardware_class(opt.tier.name),
    )
    est = _measured(opt, est)
    service = est.call_latency_s(int(conc.get("prompt_tokens", 4000)), _call_shape(sc)[1])
    rate = agent_call_rate(sc) * share
    target = float(conc.get("target_latency_s", 120))
    agents = sc.api.agents
    queue = _goodput_floor(opt, boxes_needed(agents, rate, service, target), share, rate)
    one = shared_latency(agents, rate, service)
    return OptionSpeed(fit, est, queue, service, one, target, agents * rate)
