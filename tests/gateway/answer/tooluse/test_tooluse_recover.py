from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from fulcrum.gateway.answer.tooluse.recover import extract_calls, recover_text_tool_calls
from fulcrum.gateway.answer.tooluse.schema import tool_schemas, validate_tool_uses

from .tools import TOOLS, text_response, tool_response

SCHEMAS = tool_schemas(TOOLS)


def calls_of(body: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(b["name"], b["input"]) for b in body["content"] if b["type"] == "tool_use"]


def texts_of(body: dict[str, Any]) -> list[str]:
    return [b["text"] for b in body["content"] if b["type"] == "text"]


QWEN_HERMES = (
    "I'll count the files.\n"
    '<tool_call>\n{"name": "Bash", "arguments": {"command": "find src -name \'*.py\' | wc -l"}}\n'
    "</tool_call>"
)
QWEN_UNTERMINATED = '<tool_call>\n{"name": "Read", "arguments": {"file_path": "README.md"}}'
QWEN3_CODER_XML = (
    "<tool_call>\n<function=Read>\n<parameter=file_path>\nsrc/app.py\n</parameter>\n"
    "<parameter=limit>\n40\n</parameter>\n</function>\n</tool_call>"
)
QWEN3_CODER_STRING_NUMBER = (
    "<tool_call>\n<function=Bash>\n<parameter=command>\n123\n</parameter>\n"
    "<parameter=timeout>\n5000\n</parameter>\n</function>\n</tool_call>"
)
FENCED_JSON = (
    "Let me look at the file first.\n\n```json\n"
    '{"name": "Read", "input": {"file_path": "pyproject.toml"}}\n```\n'
)
FENCED_OPENAI = (
    "```\n"
    '{"type": "function", "function": {"name": "Bash", "arguments": "{\\"command\\": \\"ls\\"}"}}'
    "\n```"
)
BARE = '{"name": "Bash", "parameters": {"command": "pytest -q"}}'
BARE_AFTER_PROSE = 'Running the tests now: {"tool": "Bash", "args": {"command": "pytest -q"}}'
LLAMA_PYTHON_TAG = '<|python_tag|>{"name": "Read", "parameters": {"file_path": "a.py"}}'
MISTRAL = (
    '[TOOL_CALLS][{"name": "Read", "arguments": {"file_path": "a.py"}}, '
    '{"name": "Read", "arguments": {"file_path": "b.py"}}]'
)
TWO_TAGS = (
    '<tool_call>{"name": "Read", "arguments": {"file_path": "a.py"}}</tool_call>\n'
    '<tool_call>{"name": "Bash", "arguments": {"command": "ls"}}</tool_call>'
)
LLAMA_FUNCTION_TAG = 'Sure.\n<function=Bash>{"command": "git status"}</function>'
QWEN3_XML_NO_WRAPPER = "<function=Read>\n<parameter=file_path>\nx.py\n</parameter>\n</function>"
STRAY_CLOSING_TAG = '{"name": "Bash", "arguments": {"command": "ls"}}\n</tool_call>'
TOOL_CALLS_WRAPPER = (
    '```json\n{"tool_calls": [{"function": {"name": "Bash", "arguments": {"command": "ls"}}}]}\n```'
)


@pytest.mark.parametrize(
    ("text", "expected", "left"),
    [
        (
            QWEN_HERMES,
            [("Bash", {"command": "find src -name '*.py' | wc -l"})],
            ["I'll count the files."],
        ),
        (QWEN_UNTERMINATED, [("Read", {"file_path": "README.md"})], []),
        (QWEN3_CODER_XML, [("Read", {"file_path": "src/app.py", "limit": 40})], []),
        (QWEN3_CODER_STRING_NUMBER, [("Bash", {"command": "123", "timeout": 5000})], []),
        (
            FENCED_JSON,
            [("Read", {"file_path": "pyproject.toml"})],
            ["Let me look at the file first."],
        ),
        (FENCED_OPENAI, [("Bash", {"command": "ls"})], []),
        (BARE, [("Bash", {"command": "pytest -q"})], []),
        (BARE_AFTER_PROSE, [("Bash", {"command": "pytest -q"})], ["Running the tests now:"]),
        (LLAMA_PYTHON_TAG, [("Read", {"file_path": "a.py"})], []),
        (MISTRAL, [("Read", {"file_path": "a.py"}), ("Read", {"file_path": "b.py"})], []),
        (TWO_TAGS, [("Read", {"file_path": "a.py"}), ("Bash", {"command": "ls"})], []),
        (TOOL_CALLS_WRAPPER, [("Bash", {"command": "ls"})], []),
        (LLAMA_FUNCTION_TAG, [("Bash", {"command": "git status"})], ["Sure."]),
        (QWEN3_XML_NO_WRAPPER, [("Read", {"file_path": "x.py"})], []),
        (STRAY_CLOSING_TAG, [("Bash", {"command": "ls"})], []),
    ],
)
def test_recovers_common_local_model_formats(
    text: str, expected: list[tuple[str, Any]], left: list[str]
) -> None:
    original = text_response(text)
    snapshot = copy.deepcopy(original)
    recovery = recover_text_tool_calls(original, TOOLS)
    assert recovery.recovered == len(expected)
    assert calls_of(recovery.body) == expected
    assert texts_of(recovery.body) == left
    assert recovery.body["stop_reason"] == "tool_use"
    assert recovery.body["stop_sequence"] is None
    assert recovery.body["usage"] == original["usage"]
    assert original == snapshot  # never mutated
    ids = [b["id"] for b in recovery.body["content"] if b["type"] == "tool_use"]
    assert all(i.startswith("toolu_") and len(i) == 30 for i in ids)
    assert len(set(ids)) == len(ids)
    assert validate_tool_uses(recovery.body, TOOLS) == []


@pytest.mark.parametrize(
    "text",
    [
        "There are 12 Python files in src.",
        # JSON naming an undeclared tool stays text
        '<tool_call>{"name": "Grep", "arguments": {"pattern": "x"}}</tool_call>',
        # an example config is not a call
        'Your config should look like:\n```json\n{"name": "my-app", "version": "1.0"}\n```',
        # a bare object naming a declared tool but without arguments is ambiguous prose
        'The tool {"name": "Bash"} is available.',
        # arguments that are not an object
        '```json\n{"name": "Bash", "arguments": "not json"}\n```',
        '```json\n{"name": "Bash", "arguments": [1, 2]}\n```',
        # a list where one item is not a call: all or nothing
        '[{"name": "Bash", "arguments": {"command": "ls"}}, {"foo": 1}]',
        "<tool_call>not json at all</tool_call>",
        "[TOOL_CALLS] oops",
        "{ unbalanced",
        "<function=Bash>not json</function>",
        "<function=Grep><parameter=q>x</parameter></function>",
    ],
)
def test_leaves_ordinary_text_alone(text: str) -> None:
    recovery = recover_text_tool_calls(text_response(text), TOOLS)
    assert recovery.recovered == 0
    assert texts_of(recovery.body) == [text]
    assert recovery.body["stop_reason"] == "end_turn"


def test_lenient_tag_form_accepts_a_call_without_arguments() -> None:
    calls, rest = extract_calls('<tool_call>{"name": "Bash"}</tool_call>', SCHEMAS)
    assert calls == [("Bash", {})]
    assert rest == ""


def test_no_recovery_when_a_structured_call_exists_or_no_tools() -> None:
    mixed = tool_response(("Bash", {"command": "ls"}), text=BARE)
    assert recover_text_tool_calls(mixed, TOOLS).recovered == 0
    assert recover_text_tool_calls(text_response(BARE), []).recovered == 0
    assert recover_text_tool_calls({"content": "x"}, TOOLS).recovered == 0


def test_thinking_blocks_are_kept_in_front() -> None:
    body = text_response(QWEN_HERMES)
    body["content"].insert(0, {"type": "thinking", "thinking": "need ls", "signature": ""})
    recovered = recover_text_tool_calls(body, TOOLS).body
    assert [b["type"] for b in recovered["content"]] == ["thinking", "text", "tool_use"]


def test_bare_scan_is_bounded_on_pathological_text() -> None:
    text = "{ " * 5000 + BARE
    recovery = recover_text_tool_calls(text_response(text), TOOLS)
    assert recovery.recovered == 0  # beyond the attempt cap: left as text, quickly


def test_random_text_never_raises_and_never_invents_calls() -> None:
    rng = random.Random(1234)
    alphabet = '{}[]":,<>/ \n`abcnameargumentsBashtool_call0123456789'
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        recovery = recover_text_tool_calls(text_response(text), TOOLS)
        for name, args in calls_of(recovery.body):
            assert name in SCHEMAS
            assert isinstance(args, dict)
