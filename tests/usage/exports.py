"""Realistic provider exports, written by the tests: saved Admin API / organization API
pages (the fields of the official SDKs' types) and console CSV files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SONNET = "claude-sonnet-4-5-20250929"


def anthropic_result(
    *, model: str | None = SONNET, inp: int = 0, out: int = 0, w5: int = 0, w1: int = 0,
    read: int = 0, workspace: str | None = "wrkspc_01", key: str | None = "apikey_01",
) -> dict[str, Any]:  # fmt: skip
    return {
        "uncached_input_tokens": inp,
        "cache_creation": {"ephemeral_1h_input_tokens": w1, "ephemeral_5m_input_tokens": w5},
        "cache_read_input_tokens": read,
        "output_tokens": out,
        "server_tool_use": {"web_search_requests": 0},
        "api_key_id": key,
        "workspace_id": workspace,
        "model": model,
        "service_tier": "standard",
        "context_window": "0-200k",
    }


def bucket(day: str, results: list[dict[str, Any]], end: str | None = None) -> dict[str, Any]:
    return {
        "starting_at": f"{day}T00:00:00Z",
        "ending_at": end or f"{day[:-2]}{int(day[-2:]) + 1:02d}T00:00:00Z",
        "results": results,
    }


def page(buckets: list[dict[str, Any]], *, more: bool = False) -> dict[str, Any]:
    return {"data": buckets, "has_more": more, "next_page": "page_2" if more else None}


def cost_result(amount: str, *, model: str | None = SONNET, token_type: str = "output_tokens",
                currency: str = "USD") -> dict[str, Any]:  # fmt: skip
    return {
        "currency": currency,
        "amount": amount,
        "workspace_id": "wrkspc_01",
        "description": f"Claude Sonnet 4.5 Usage - {token_type}",
        "cost_type": "tokens",
        "context_window": "0-200k",
        "model": model,
        "service_tier": "standard",
        "token_type": token_type,
    }


def openai_bucket(start: int, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "bucket", "start_time": start, "end_time": start + 86_400,
            "results": results}  # fmt: skip


def openai_usage(model: str, *, inp: int, cached: int, out: int, n: int,
                 project: str = "proj_abc", batch: bool = False) -> dict[str, Any]:  # fmt: skip
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": inp,
        "output_tokens": out,
        "input_cached_tokens": cached,
        "input_audio_tokens": 0,
        "output_audio_tokens": 0,
        "num_model_requests": n,
        "project_id": project,
        "user_id": None,
        "api_key_id": None,
        "model": model,
        "batch": batch,
        "service_tier": None,
    }


def openai_cost(value: float, line_item: str, project: str = "proj_abc") -> dict[str, Any]:
    return {
        "object": "organization.costs.result",
        "amount": {"value": value, "currency": "usd"},
        "line_item": line_item,
        "project_id": project,
    }


def openai_page(buckets: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "page", "data": buckets, "has_more": False, "next_page": None}


def write_json(path: Path, doc: Any, *, indent: int | None = 2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=indent), encoding="utf-8")
    return path


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
