"""Decode and prefill speed from memory bandwidth and compute.

Decode reads, for every generated token, the active weights (the MoE active share of the
file) and the KV cache accumulated so far, so::

    seconds/token = bytes_per_token / (efficiency[backend] x bandwidth) + overhead_s

``efficiency`` (per backend family: cuda, metal, ...) and the fixed per-token ``overhead_s``
(kernel launches, sampling, synchronisation) are fitted on measured llama.cpp decode rates by
:mod:`fulcrum.costs.calibrate`; the fitted values ship in ``data/throughput_params.json``.
MoE models get a further ``moe_factor`` on efficiency (expert routing and shared layers read
more than the active share; no MoE rows in the calibration file, so it comes from the
reference data's note: 0.58 / 0.74). Prefill is compute-bound:
``tokens/s = prefill_efficiency x FLOPS / (2 x active parameters)``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fulcrum.errors import ConfigError
from fulcrum.tables import Table, to_decimal
from fulcrum.textfiles import read_text

if TYPE_CHECKING:
    from fulcrum.catalog.records import ModelSpec

GB = 1e9

BACKEND_FAMILIES: tuple[tuple[str, str], ...] = (
    ("metal", "metal"),
    ("mlx", "metal"),
    ("cuda", "cuda"),
    ("vllm", "cuda"),
    ("rocm", "rocm"),
    ("hip", "rocm"),
    ("vulkan", "vulkan"),
    ("cpu", "cpu"),
)


# machines whose llama.cpp decode streams far below their (HBM) spec bandwidth: a class of
# their own in the fit, looked up as "<family>:<class>" (e.g. "cuda:datacenter")
HARDWARE_CLASSES: tuple[tuple[str, str], ...] = (
    ("a100", "datacenter"),
    ("a800", "datacenter"),
    ("h100", "datacenter"),
    ("h800", "datacenter"),
    ("h200", "datacenter"),
    ("gh200", "datacenter"),
    ("b200", "datacenter"),
    ("mi300", "datacenter"),
)


def hardware_class(name: str) -> str:
    """The machine's class in the fit ("datacenter"), or "" for the backend's default."""
    return _first_match(name, HARDWARE_CLASSES, "")


def fit_group(backend: str, hw_class: str = "") -> str:
    """The efficiency key of a machine: its backend family, with its class when it has one."""
    family = backend_family(backend)
    return f"{family}:{hw_class}" if hw_class else family


def backend_family(backend: str) -> str:
    """Map a backend description ("llama.cpp CUDA 12.1", "Metal") to a family name."""
    return _first_match(backend, BACKEND_FAMILIES, "other")


def _first_match(text: str, table: tuple[tuple[str, str], ...], default: str) -> str:
    """The value of the first ``(needle, value)`` whose needle is in ``text`` (any case)."""
    low = text.lower()
    for needle, value in table:
        if needle in low:
            return value
    return default


@dataclass(frozen=True, slots=True)
class ThroughputParams:
    """The fitted throughput model."""

    efficiency: dict[str, float]
    default_efficiency: float
    overhead_s: float
    moe_factor: float = 0.78
    prefill_efficiency: float = 0.7
    fit: dict[str, Any] = field(default_factory=dict)

    def efficiency_for(self, backend: str, hw_class: str = "") -> float:
        return self.group_efficiency(fit_group(backend, hw_class))

    def group_efficiency(self, group: str) -> float:
        """``cuda:datacenter``, else ``cuda``, else the pooled default."""
        if group in self.efficiency:
            return self.efficiency[group]
        return self.efficiency.get(group.split(":", maxsplit=1)[0], self.default_efficiency)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: Any, file: str | None = None) -> ThroughputParams:
        """Checked: every efficiency and factor a finite number > 0, the overhead >= 0; a bad
        field is a ConfigError naming ``file`` and the field."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"not a throughput fit from `{WRITER}` (a JSON object)", file=file)
        t = Table(data, file)
        eff = t.table("efficiency", required=True)
        return cls(
            efficiency={str(k): _positive(eff, k) for k in eff.data},
            default_efficiency=_positive(t, "default_efficiency"),
            overhead_s=t.number("overhead_s", required=True, low=0),
            moe_factor=_positive(t, "moe_factor", 0.78),
            prefill_efficiency=_positive(t, "prefill_efficiency", 0.7),
            fit=dict(t.table("fit").data),
        )


WRITER = "throughput calibrate --write"


# an efficiency is a share of the spec bandwidth or FLOPS, near 1; a probe's calibration of a
# very fast server may solve for far more, so the bound only keeps the arithmetic finite
MAX_FACTOR = 1_000_000


def _positive(t: Table, key: str, default: float | None = None) -> float:
    raw = t.data.get(key, default)
    value = to_decimal(raw) if isinstance(raw, int | float) else None
    if value is None or not 0 < value <= MAX_FACTOR:
        t.fail(key, f"a number in (0, {MAX_FACTOR:,}]", raw)
    return float(value)


def default_params() -> ThroughputParams:
    """The parameters fitted on the bundled calibration data."""
    text = resources.files("fulcrum.costs").joinpath("data", "throughput_params.json").read_text()
    return ThroughputParams.from_dict(json.loads(text))


def load_params(path: Path) -> ThroughputParams:
    """Parameters written by ``fulcrum throughput calibrate --write`` (``--fit FILE``)."""
    try:
        data = json.loads(read_text(path))
    except ValueError as exc:
        raise ConfigError(f"not a throughput fit from `{WRITER}` ({exc})", file=str(path)) from None
    return ThroughputParams.from_dict(data, str(path))


@dataclass(frozen=True, slots=True)
class Workload:
    """What one decode step reads, and what one prefill computes."""

    model_size_gb: float
    params_b: float
    active_params_b: float
    context_tokens: int = 0
    kv_bytes_per_token: float = 0.0

    @property
    def active_share(self) -> float:
        return self.active_params_b / self.params_b if self.params_b > 0 else 1.0

    @property
    def is_moe(self) -> bool:
        return self.active_share < 0.999

    def bytes_per_token(self) -> float:
        weights = self.model_size_gb * GB * self.active_share
        return weights + self.kv_bytes_per_token * self.context_tokens


@dataclass(frozen=True, slots=True)
class Estimate:
    decode_tokens_per_s: float
    prefill_tokens_per_s: float | None
    decode_ceiling_tokens_per_s: float
    bytes_per_token: float

    def call_latency_s(self, prompt_tokens: int, output_tokens: int) -> float:
        """Time to first token (prefill) plus decode of ``output_tokens``."""
        prefill = 0.0
        if prompt_tokens and self.prefill_tokens_per_s:
            prefill = prompt_tokens / self.prefill_tokens_per_s
        return prefill + output_tokens / self.decode_tokens_per_s


def decode_ceiling(bandwidth_gbps: float, bytes_per_token: float) -> float:
    """Bandwidth divided by bytes read per token: the theoretical decode ceiling."""
    return bandwidth_gbps * GB / bytes_per_token


def estimate(
    work: Workload,
    bandwidth_gbps: float,
    *,
    backend: str = "cuda",
    compute_tflops: float | None = None,
    params: ThroughputParams | None = None,
    hw_class: str = "",
) -> Estimate:
    """Decode and prefill tokens/s of ``work`` on a machine (``hw_class``: see
    :func:`hardware_class`)."""
    p = params or default_params()
    eff = p.efficiency_for(backend, hw_class) * (p.moe_factor if work.is_moe else 1.0)
    per_token = work.bytes_per_token()
    seconds = per_token / (eff * bandwidth_gbps * GB) + p.overhead_s
    prefill = None
    if compute_tflops:
        prefill = p.prefill_efficiency * compute_tflops * 1e12 / (2 * work.active_params_b * GB)
    return Estimate(
        decode_tokens_per_s=1.0 / seconds,
        prefill_tokens_per_s=prefill,
        decode_ceiling_tokens_per_s=decode_ceiling(bandwidth_gbps, per_token),
        bytes_per_token=per_token,
    )


def model_size_gb(params_b: float, bits_per_weight: float) -> float:
    """File size of a quantized model: parameters x bits / 8."""
    return params_b * bits_per_weight / 8.0


def model_workload(spec: ModelSpec, bits_per_weight: float, context_tokens: int = 0) -> Workload:
    """A catalog model at a quantization, with ``context_tokens`` already in the cache.
    Callers check ``spec.total_params_b`` first and say which flag or option lacks it."""
    if spec.total_params_b is None:
        raise ValueError(f"{spec.id} has no parameter count")
    return Workload(
        model_size_gb=model_size_gb(spec.total_params_b, bits_per_weight),
        params_b=spec.total_params_b,
        active_params_b=spec.active_params_b or spec.total_params_b,
        context_tokens=context_tokens,
        kv_bytes_per_token=spec.kv_bytes_per_token() or 0.0,
    )
