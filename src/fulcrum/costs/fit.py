"""Memory fit: do a model's weights and its KV cache fit in a box's memory?

needed = parameters x bits per weight / 8 (the weights at the chosen quantization)
       + KV bytes per token x context tokens (one sequence at the scenario's context)

``available`` is the box's memory as the catalog states it (unified memory on Apple and
Strix Halo machines, VRAM on discrete GPUs). A model that does not fit is said so with both
numbers; no speed is quoted for it and no option built on it is eligible. A model without a
parameter count cannot be checked, and says that instead. Splitting a model across several
boxes is not modelled: each box must hold the whole model.
"""

from __future__ import annotations

from dataclasses import dataclass

from fulcrum.catalog.records import ModelSpec

GB = 1e9


@dataclass(frozen=True, slots=True)
class MemoryFit:
    model: str
    quant: str
    context_tokens: int
    available_bytes: int
    weights_bytes: int | None
    kv_bytes: int | None  # None: the catalog has no KV geometry for this model

    @property
    def needed_bytes(self) -> int | None:
        if self.weights_bytes is None:
            return None
        return self.weights_bytes + (self.kv_bytes or 0)

    @property
    def fits(self) -> bool | None:
        """True/False, or None when the model has no parameter count to check."""
        needed = self.needed_bytes
        return None if needed is None else needed <= self.available_bytes

    def as_detail(self) -> dict[str, object]:
        return {
            "fits": self.fits,
            "memory_needed_bytes": self.needed_bytes,
            "memory_available_bytes": self.available_bytes,
        }

    def evidence(self) -> str:
        """The numbers behind the verdict, in words."""
        have = f"the box has {self.available_bytes / GB:,.0f} GB"
        if self.weights_bytes is None:
            return f"{self.model} has no parameter count in the catalog; {have}"
        kv = (
            "KV geometry unknown"
            if self.kv_bytes is None
            else f"KV {self.kv_bytes / GB:,.1f} GB at {self.context_tokens:,} tokens"
        )
        needed = self.needed_bytes or 0
        return (
            f"{self.model} needs {needed / GB:,.1f} GB (weights "
            f"{self.weights_bytes / GB:,.1f} GB at {self.quant} + {kv}); {have}"
        )


def memory_fit(
    spec: ModelSpec, quant: str, bits_per_weight: float, memory_gb: float, context_tokens: int
) -> MemoryFit:
    """Check that ``spec`` at ``bits_per_weight`` plus its KV cache fits ``memory_gb``."""
    weights = None
    if spec.total_params_b is not None:
        weights = round(spec.total_params_b * GB * bits_per_weight / 8.0)
    per_token = spec.kv_bytes_per_token()
    kv = None if per_token is None else round(per_token * context_tokens)
    return MemoryFit(spec.id, quant, context_tokens, round(memory_gb * GB), weights, kv)
