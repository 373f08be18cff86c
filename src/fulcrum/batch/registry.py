"""The batch APIs by name (the name a batch stores): the only list of them."""

from __future__ import annotations

from fulcrum.batch.anthropic_batch import ANTHROPIC_BATCH
from fulcrum.batch.apis import BatchApi
from fulcrum.batch.openai_batch import OPENAI_BATCH

APIS: dict[str, BatchApi] = {api.name: api for api in (OPENAI_BATCH, ANTHROPIC_BATCH)}


def item_api(api_name: str, endpoint: str) -> BatchApi:
    """The API that runs an item of a batch of ``api_name`` on ``endpoint``."""
    return APIS[api_name].for_endpoint(endpoint)
