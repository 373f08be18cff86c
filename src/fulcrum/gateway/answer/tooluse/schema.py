"""Validate tool calls against the declared tools' JSON schemas.

Compiled validators are cached per schema (keyed by its canonical JSON), so a client that sends
the same ~12 tools on every request pays the compile cost once. The draft comes from the
schema's ``$schema`` and defaults to 2020-12. A schema that is itself invalid, or that needs a
remote ``$ref``, cannot be evaluated: such a tool's input is accepted rather than failing the
request over the client's schema.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

MAX_PROBLEMS = 8
_MAX_PROBLEM_CHARS = 300


@dataclass(frozen=True, slots=True)
class ToolCallError:
    """Why one tool call (or a response that should have held one) is not acceptable."""

    tool_use_id: str | None
    tool: str | None
    problems: tuple[str, ...]

    def message(self) -> str:
        subject = f"tool {self.tool!r}" if self.tool else "the response"
        return f"Invalid call of {subject}: " + "; ".join(self.problems)


def tool_schemas(tools: Sequence[Any]) -> dict[str, Mapping[str, Any]]:
    """Declared tool name -> input schema (Anthropic ``input_schema`` or OpenAI ``parameters``).

    Server tools without a schema (web search, text editor...) map to ``{}`` (anything goes).
    """
    out: dict[str, Mapping[str, Any]] = {}
    for tool in tools:
        if not isinstance(tool, Mapping):
            continue
        spec = tool.get("function") if tool.get("type") == "function" else tool
        if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
            continue
        schema = spec.get("input_schema", spec.get("parameters", {}))
        out[spec["name"]] = schema if isinstance(schema, Mapping) else {}
    return out


def validate_tool_input(schema: Mapping[str, Any], instance: Any) -> list[str]:
    """Problems with ``instance`` under ``schema`` (empty = valid), most specific path first."""
    validator = _compiled(json.dumps(schema, sort_keys=True, default=str))
    if validator is None:
        return []
    try:
        errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.path])
    except Exception:  # an unresolvable $ref and the like: the schema cannot be evaluated
        return []
    problems = []
    for error in errors[:MAX_PROBLEMS]:
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        problems.append(f"{path}: {error.message}"[:_MAX_PROBLEM_CHARS])
    return problems


def validate_tool_uses(response: Mapping[str, Any], tools: Sequence[Any]) -> list[ToolCallError]:
    """Errors for every ``tool_use`` block of an Anthropic response (empty = all valid)."""
    schemas = tool_schemas(tools)
    errors: list[ToolCallError] = []
    for block in tool_use_blocks(response):
        block_id = block.get("id") if isinstance(block.get("id"), str) else None
        name = block.get("name")
        if not isinstance(name, str) or name not in schemas:
            declared = ", ".join(schemas) or "none"
            problem = f"unknown tool {name!r}; declared tools: {declared}"
            errors.append(
                ToolCallError(block_id, name if isinstance(name, str) else None, (problem,))
            )
            continue
        problems = validate_tool_input(schemas[name], block.get("input"))
        if problems:
            errors.append(ToolCallError(block_id, name, tuple(problems)))
    return errors


def tool_use_blocks(response: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    content = response.get("content")
    if not isinstance(content, list):
        return []
    return [b for b in content if isinstance(b, Mapping) and b.get("type") == "tool_use"]


@lru_cache(maxsize=512)
def _compiled(schema_json: str) -> Validator | None:
    schema = json.loads(schema_json)
    cls = validator_for(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError:
        return None
    validator: Validator = cls(schema)
    return validator


def cache_info() -> Any:
    """Hit/miss counters of the compiled-validator cache (for tests and metrics)."""
    return _compiled.cache_info()
