"""How the answer's JSON schema reaches a backend: a registry of constraints.

A constraint writes the schema into the upstream body, in the upstream's format, so that
the server decodes under it (llama.cpp compiles it to a grammar, vLLM to its guided
decoding, OpenAI to strict structured output):

- ``json_schema``: OpenAI's ``response_format = {"type": "json_schema", "json_schema":
  {"name", "schema", "strict": true}}`` — llama.cpp's server, vLLM, LM Studio, Ollama and
  OpenAI all read it;
- ``json_object``: ``response_format = {"type": "json_object", "schema": ...}`` — older
  servers (llama.cpp reads the ``schema`` beside it, others only keep the output JSON);
- ``none``: the schema is in the instructions only; the answer is still validated.

Each format has a default (:data:`FORMAT_DEFAULTS`; a format not listed gets ``none``); a
filter may name another with ``constraint``. A new constraint is one class given to
:func:`register`.
"""

from __future__ import annotations

from typing import Any, ClassVar

Body = dict[str, Any]


class Constraint:
    name: ClassVar[str]
    formats: ClassVar[tuple[str, ...] | None] = None  # None: any format

    def serves(self, fmt: str) -> bool:
        return self.formats is None or fmt in self.formats

    def apply(self, body: Body, name: str, schema: dict[str, Any]) -> None:
        """Write ``schema`` into the upstream ``body`` (changed in place)."""


class JsonSchema(Constraint):
    name = "json_schema"
    formats = ("openai",)

    def apply(self, body: Body, name: str, schema: dict[str, Any]) -> None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": True},
        }


class JsonObject(Constraint):
    name = "json_object"
    formats = ("openai",)

    def apply(self, body: Body, name: str, schema: dict[str, Any]) -> None:
        body["response_format"] = {"type": "json_object", "schema": schema}


class PromptOnly(Constraint):
    name = "none"


CONSTRAINTS: dict[str, Constraint] = {}
FORMAT_DEFAULTS: dict[str, str] = {"openai": "json_schema"}


def register(constraint: Constraint) -> Constraint:
    CONSTRAINTS[constraint.name] = constraint
    return constraint


def default_constraint(fmt: str) -> str:
    """The constraint a backend of format ``fmt`` gets unless a filter names one."""
    return FORMAT_DEFAULTS.get(fmt, PromptOnly.name)


register(JsonSchema())
register(JsonObject())
register(PromptOnly())
