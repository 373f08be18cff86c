"""Structured output across the three APIs: the format a client asked its answer to take.

Each API names it its own way:

* OpenAI Chat Completions: ``response_format``: ``{type: "json_schema", json_schema: {name,
  schema, strict, description}}``, ``{type: "json_object"}`` (any JSON object; llama.cpp's
  servers read a ``schema`` beside it, taken here as a ``json_schema``) or ``{type: "text"}``;
* OpenAI Responses: ``text.format``: ``{type: "json_schema", name, schema, strict,
  description}``, ``{type: "json_object"}`` or ``{type: "text"}``;
* Anthropic Messages: ``output_config.format``: ``{type: "json_schema", schema}`` (and the
  structured-outputs beta's top-level ``output_format`` of the same shape). Messages has no
  "any JSON object": a ``json_object`` request is asked for in words there, a system block
  (:func:`anthropic_json_object_system`); the answer is not checked.

A reader gives an :class:`OutputFormat` (None: free text, or nothing readable); a writer gives
the field of the API a request is translated to. Anthropic names no schema, so a schema from
it is named :data:`DEFAULT_NAME` and strict (Anthropic always decodes to the schema).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_NAME",
    "JSON_OBJECT",
    "JSON_SCHEMA",
    "OutputFormat",
    "anthropic_json_object_system",
    "anthropic_output_config",
    "chat_response_format",
    "read_anthropic",
    "read_chat",
    "read_responses",
    "responses_text",
]

DEFAULT_NAME = "output"  # Chat Completions and Responses require a name; Messages has none
JSON_SCHEMA, JSON_OBJECT = "json_schema", "json_object"
JSON_OBJECT_INSTRUCTION = (
    "Answer with one JSON object and nothing else: no text before or after it, no code fence."
)
Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """``kind``: ``json_schema`` (``schema`` set) or ``json_object``."""

    kind: str
    schema: Mapping[str, Any] | None = None
    name: str = DEFAULT_NAME
    strict: bool | None = None
    description: str | None = None


def read_chat(body: Mapping[str, Any]) -> OutputFormat | None:
    """A Chat Completions request's ``response_format``."""
    fmt = body.get("response_format")
    if not isinstance(fmt, Mapping):
        return None
    if fmt.get("type") == JSON_OBJECT:  # llama.cpp's servers also read a schema beside it
        schema = fmt.get("schema")
        return (
            OutputFormat(JSON_SCHEMA, schema)
            if isinstance(schema, Mapping)
            else OutputFormat(JSON_OBJECT)
        )
    spec = fmt.get("json_schema")
    return _schema_format(spec) if fmt.get("type") == JSON_SCHEMA else None


def read_responses(body: Mapping[str, Any]) -> OutputFormat | None:
    """A Responses request's ``text.format``."""
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, Mapping) else None
    if not isinstance(fmt, Mapping):
        return None
    if fmt.get("type") == JSON_OBJECT:
        return OutputFormat(JSON_OBJECT)
    return _schema_format(fmt) if fmt.get("type") == JSON_SCHEMA else None


def read_anthropic(body: Mapping[str, Any]) -> OutputFormat | None:
    """A Messages request's ``output_config.format`` (or the beta's ``output_format``)."""
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, Mapping) else None
    fmt = fmt if fmt is not None else body.get("output_format")
    if not isinstance(fmt, Mapping) or fmt.get("type") != JSON_SCHEMA:
        return None
    schema = fmt.get("schema")
    return OutputFormat(JSON_SCHEMA, schema if isinstance(schema, Mapping) else {}, strict=True)


def _schema_format(spec: Any) -> OutputFormat:
    spec = spec if isinstance(spec, Mapping) else {}
    schema, name = spec.get("schema"), spec.get("name")
    strict, description = spec.get("strict"), spec.get("description")
    return OutputFormat(
        JSON_SCHEMA,
        schema if isinstance(schema, Mapping) else {},
        name if isinstance(name, str) and name else DEFAULT_NAME,
        strict if isinstance(strict, bool) else None,
        description if isinstance(description, str) else None,
    )


def _named(fmt: OutputFormat) -> Body:
    out: Body = {"name": fmt.name, "schema": dict(fmt.schema or {})}
    if fmt.strict is not None:
        out["strict"] = fmt.strict
    if fmt.description is not None:
        out["description"] = fmt.description
    return out


def chat_response_format(fmt: OutputFormat) -> Body:
    """Chat Completions' ``response_format`` for ``fmt``."""
    if fmt.kind == JSON_OBJECT:
        return {"type": JSON_OBJECT}
    return {"type": JSON_SCHEMA, "json_schema": _named(fmt)}


def responses_text(fmt: OutputFormat) -> Body:
    """Responses' ``text`` for ``fmt``."""
    if fmt.kind == JSON_OBJECT:
        return {"format": {"type": JSON_OBJECT}}
    return {"format": {"type": JSON_SCHEMA, **_named(fmt)}}


def anthropic_output_config(fmt: OutputFormat) -> Body | None:
    """Messages' ``output_config`` for ``fmt``; None for ``json_object`` (no equivalent)."""
    if fmt.kind != JSON_SCHEMA:
        return None
    return {"format": {"type": JSON_SCHEMA, "schema": dict(fmt.schema or {})}}


def anthropic_json_object_system(system: list[Body]) -> list[Body]:
    """Messages' ``system`` blocks asking for what ``json_object`` asks of Chat Completions."""
    return [*system, {"type": "text", "text": JSON_OBJECT_INSTRUCTION}]
