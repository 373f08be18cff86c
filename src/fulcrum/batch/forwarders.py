"""The providers' batch APIs by wire format name: the only list of them."""

from __future__ import annotations

from fulcrum.batch.provider_anthropic import ANTHROPIC_PROVIDER
from fulcrum.batch.provider_openai import OPENAI_PROVIDER
from fulcrum.batch.providers import ProviderBatchApi

PROVIDER_BATCHES: dict[str, ProviderBatchApi] = {
    p.format_name: p for p in (ANTHROPIC_PROVIDER, OPENAI_PROVIDER)
}
