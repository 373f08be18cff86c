"""A handed-off session's history condensed: where it is cut, what the summary keeps, and that
later turns condense to the same bytes."""

from __future__ import annotations

import copy
import json
from typing import Any

from fulcrum.wire.condense import CHAT, MESSAGES, RESPONSES, Cut, apply_cut, clip, plan_cut
from fulcrum.wire.condense.cut import SUMMARY_CHARS, fit
from fulcrum.wire.condense.shapes import Shape

# a failing test run: its cause is at the end, as a real one's is
LOG = "\n".join(f"tests/test_{i}.py::test_case PASSED" for i in range(200)) + (
    "\nE   AssertionError: expected 3, got 4\nFAILED tests/test_cache.py::test_expiry - 1 failed"
)
TASK = "Make the cache tests pass"


def anthropic_session(turns: int) -> list[dict[str, Any]]:
    """Claude Code's shape: the task, then tool loops whose results failed."""
    first = {"type": "text", "text": TASK, "cache_control": {"type": "ephemeral"}}
    messages: list[dict[str, Any]] = [{"role": "user", "content": [first]}]
    for n in range(turns):
        call = {"type": "tool_use", "id": f"toolu_{n}", "name": "Bash",
                "input": {"command": f"pytest -x tests/test_cache.py  # try {n}"}}  # fmt: skip
        messages.append({"role": "assistant", "content": [{"type": "text", "text": f"Try {n}"},
                                                          call]})  # fmt: skip
        result = {"type": "tool_result", "tool_use_id": f"toolu_{n}", "content": LOG,
                  "is_error": True}  # fmt: skip
        messages.append({"role": "user", "content": [result]})
    return messages


def chat_session(turns: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a coding agent."},
        {"role": "user", "content": TASK},
    ]
    for n in range(turns):
        call = {"id": f"call_{n}", "type": "function",
                "function": {"name": "shell", "arguments": '{"cmd": "pytest"}'}}  # fmt: skip
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        messages.append({"role": "tool", "tool_call_id": f"call_{n}", "content": LOG})
    return messages


def summary_of(message: dict[str, Any]) -> str:
    content = message["content"]
    return content if isinstance(content, str) else content[-1]["text"]


def condensed(shape: Shape, messages: list[dict[str, Any]], turn: int) -> list[dict[str, Any]]:
    """The conversation condensed at its move from ``local/qwen``, checked to be cut before
    the last turn's ``turn`` messages."""
    cut = plan_cut(shape, messages, "local/qwen")
    assert cut is not None and cut.upto == len(messages) - turn
    out = apply_cut(shape, messages, cut)
    assert out is not None
    return out


def test_a_messages_history_is_cut_before_its_last_assistant_turn() -> None:
    messages = anthropic_session(5)
    out = condensed(MESSAGES, messages, 2)
    assert [m["role"] for m in out] == ["user", "assistant", "user"]
    assert out[1:] == messages[-2:]  # the last call and its result, as the client sent them
    first, summary = out[0]["content"][0], summary_of(out[0])
    assert first == {"type": "text", "text": TASK}  # kept whole, its cache marker left out
    assert "handed over to you from local/qwen" in summary
    assert summary.count("error from Bash") == 4 and summary.count("assistant: Try") == 4
    assert "expected 3, got 4" in summary  # a result's tail is kept
    assert "characters…]" in summary  # and its middle clipped
    assert len(json.dumps(out)) * 2 < len(json.dumps(messages))


def test_a_later_turn_condenses_to_the_same_bytes() -> None:
    messages = anthropic_session(5)
    cut = plan_cut(MESSAGES, messages, "local/qwen")
    assert cut is not None
    at_move = apply_cut(MESSAGES, messages, cut)
    later = copy.deepcopy(messages)  # the client moves its cache markers turn by turn
    later[0]["content"][0].pop("cache_control")
    later[cut.upto]["content"][1]["cache_control"] = {"type": "ephemeral"}
    later += [{"role": "assistant", "content": "Fixed: the expiry used seconds."},
              {"role": "user", "content": "thanks, now run the whole suite"}]  # fmt: skip
    out = apply_cut(MESSAGES, later, cut)
    assert at_move is not None and out is not None
    assert json.dumps(out[0]) == json.dumps(at_move[0])
    assert out[1:] == later[cut.upto :]


def test_a_history_the_client_changed_is_not_cut() -> None:
    messages = anthropic_session(5)
    cut = plan_cut(MESSAGES, messages, None)
    assert cut is not None
    compacted = [{"role": "user", "content": "Summary of our work so far: …"},
                 *anthropic_session(1)[1:]]  # fmt: skip
    assert apply_cut(MESSAGES, compacted, cut) is None
    edited = copy.deepcopy(messages)
    edited[cut.upto]["content"][0]["text"] = "something else"
    assert apply_cut(MESSAGES, edited, cut) is None
    assert apply_cut(MESSAGES, messages[: cut.upto], cut) is None  # shorter than the cut


def test_no_cut_when_it_saves_too_little_or_there_is_nothing_before_the_last_turn() -> None:
    short = anthropic_session(4)
    for message in short[2::2]:
        message["content"][0]["content"] = "ok"
    assert plan_cut(MESSAGES, short, None) is None  # the summary would not halve it
    assert plan_cut(MESSAGES, anthropic_session(1), None) is None  # task, call, result
    assert plan_cut(MESSAGES, [{"role": "user", "content": TASK}], None) is None


def test_a_chat_history_keeps_its_system_messages_and_names_each_result() -> None:
    messages = chat_session(4)
    out = condensed(CHAT, messages, 2)
    assert [m["role"] for m in out] == ["system", "user", "assistant", "tool"]
    assert out[0] == messages[0] and out[2:] == messages[-2:]
    text = out[1]["content"]
    assert text.startswith(TASK + "\n\n[fulcrum] This session was handed over to you from local/")
    assert text.count("assistant called shell") == 3 and text.count("result of shell") == 3


def test_clip_keeps_the_head_and_the_tail() -> None:
    assert clip("  short  ", 100) == "short"
    clipped = clip("a" * 500 + "THE END", 90)
    assert clipped.startswith("a" * 30) and clipped.endswith("THE END")
    assert "[…417 characters…]" in clipped


def test_a_kept_cut_is_read_back_or_refused() -> None:
    cut = Cut(7, "ab12", "local/qwen")
    assert Cut.of(json.loads(json.dumps(cut.as_dict()))) == cut
    assert Cut.of({"upto": "7", "mark": "ab12"}) is None
    assert Cut.of(None) is None and Cut.of([7]) is None


def responses_session(turns: int) -> list[dict[str, Any]]:
    """Codex CLI's shape: developer instructions, its opening user messages, then turns of
    reasoning and a function call, each answered by its output."""
    items: list[dict[str, Any]] = [
        {"type": "message", "role": "developer", "content": [{"type": "input_text",
                                                               "text": "sandbox rules"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text",
                                                          "text": "# AGENTS.md\nuse pytest"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": TASK}]},
    ]  # fmt: skip
    for n in range(turns):
        items += [
            {"type": "reasoning", "summary": [], "encrypted_content": None},
            {"type": "function_call", "call_id": f"call_{n}", "name": "exec_command",
             "arguments": '{"cmd": "pytest"}'},
            {"type": "function_call_output", "call_id": f"call_{n}", "output": LOG},
        ]  # fmt: skip
    return items


def test_a_responses_input_keeps_its_opening_messages_and_cuts_before_the_last_turn() -> None:
    items = responses_session(4)
    out = condensed(RESPONSES, items, 3)  # cut at the last reasoning item
    assert out[:2] == items[:2] and out[3:] == items[-3:]
    opening = out[2]["content"]
    assert opening[0] == {"type": "input_text", "text": TASK}  # the task kept whole
    summary = opening[-1]["text"]
    assert summary.count("assistant called exec_command") == 3
    assert summary.count("result of exec_command") == 3 and "expected 3, got 4" in summary


def test_a_long_sessions_summary_stays_compact_the_newest_entries_longest() -> None:
    messages = anthropic_session(60)
    cut = plan_cut(MESSAGES, messages, None)
    assert cut is not None
    out = apply_cut(MESSAGES, messages, cut)
    assert out is not None
    summary = summary_of(out[0])
    assert len(summary) < SUMMARY_CHARS + 1000
    assert "expected 3, got 4" in summary.rsplit("error from Bash", 1)[1]  # the newest whole
    assert "expected 3, got 4" not in summary.split("error from Bash", 2)[1]  # the oldest cut


def test_fit_cuts_the_oldest_entries_first_then_leaves_them_out() -> None:
    entries = [f"entry {n}:\n" + "x" * 100 for n in range(10)]
    assert fit(entries, 10_000) == entries
    shortened = fit(entries, 800)  # three entries cut to their first line bring it under
    assert shortened[:3] == ["entry 0:", "entry 1:", "entry 2:"] and shortened[3:] == entries[3:]
    assert fit(entries, 50) == [
        "[5 earlier entries left out]",
        *(f"entry {n}:" for n in range(5, 10)),
    ]
