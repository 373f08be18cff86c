"""The stream reviewer: text and thinking pass at once, tool calls held until reviewed."""

from __future__ import annotations

import json
from typing import Any

from fulcrum.gateway.answer.tooluse import StreamReviewer, TextGate, prepare_forced_request
from fulcrum.gateway.answer.tooluse.replay import message_events
from fulcrum.wire.sse import json_event
from fulcrum.wire.validate import check_anthropic_stream

from .tools import BASH, READ, request, text_response, tool_response

PRINTED = '<tool_call>{"name": "Bash", "arguments": {"command": "ls"}}</tool_call>'


def upstream(message: dict[str, Any], *, split: int = 3) -> list[dict[str, Any]]:
    """A complete message as a backend streams it, text cut into ``split``-character deltas."""
    out: list[dict[str, Any]] = []
    for event in message_events(message):
        data = json.loads(event.data)
        delta = data.get("delta", {})
        if data["type"] == "content_block_delta" and delta.get("type") == "text_delta":
            text = delta["text"]
            for i in range(0, len(text), split):
                part = {"type": "text_delta", "text": text[i : i + split]}
                out.append({**data, "delta": part})
        else:
            out.append(data)
    return out


def run(
    reviewer: StreamReviewer, *answers: dict[str, Any]
) -> tuple[list[list[dict[str, Any]]], list[dict[str, Any] | None]]:
    """Feed each answer (the later ones as retries): client events per upstream event."""
    steps: list[list[dict[str, Any]]] = []
    retries: list[dict[str, Any] | None] = []
    for n, answer in enumerate(answers):
        for data in upstream(answer):
            steps.append(reviewer.feed(data))
        events, retry = reviewer.end(retry_allowed=n == 0)
        steps.append(events)
        retries.append(retry)
    return steps, retries


def flat(steps: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    events = [e for step in steps for e in step]
    check_anthropic_stream([json_event(e) for e in events])
    return events


def text_of(events: list[dict[str, Any]]) -> str:
    return "".join(
        e["delta"]["text"]
        for e in events
        if e["type"] == "content_block_delta" and e["delta"]["type"] == "text_delta"
    )


def test_text_passes_at_once_and_the_call_is_held_until_reviewed() -> None:
    reviewer = StreamReviewer(request(), "claude-sonnet-4-6")
    answer = tool_response(("Bash", {"command": "ls"}), text="Let me list the files.")
    steps, retries = run(reviewer, answer)
    assert retries == [None]
    first_text = next(i for i, s in enumerate(steps) if text_of(s))
    assert text_of(steps[first_text]) == "Let"  # the first delta went out with its event
    events = flat(steps)
    assert events[0]["message"]["model"] == "claude-sonnet-4-6"
    assert text_of(events) == "Let me list the files."
    tool_starts = [i for i, s in enumerate(steps) for e in s if e["type"] == "content_block_start"]
    assert tool_starts[-1] == len(steps) - 1  # the call was sent only after the review
    assert events[-2]["delta"]["stop_reason"] == "tool_use"
    assert reviewer.message is not None
    assert reviewer.message["content"][-1]["input"] == {"command": "ls"}
    assert reviewer.usage.output_tokens == 40


def test_a_printed_call_is_held_and_recovered_while_the_text_before_it_streams() -> None:
    reviewer = StreamReviewer(request(), "m")
    steps, _ = run(reviewer, text_response("I will run ls.\n" + PRINTED))
    events = flat(steps)
    assert text_of(events) == "I will run ls.\n"
    calls = [e for e in events if e.get("content_block", {}).get("type") == "tool_use"]
    assert [c["content_block"]["name"] for c in calls] == ["Bash"]
    assert events[-2]["delta"]["stop_reason"] == "tool_use"
    assert (reviewer.outcome.repairs, reviewer.outcome.retries) == (1, 0)


def test_a_retry_keeps_one_well_formed_stream_without_repeating_text() -> None:
    reviewer = StreamReviewer(request(), "m")
    bad = tool_response(("Read", {"path": "a.py"}), text="Reading it.")
    good = tool_response(("Read", {"file_path": "a.py"}), text="Fixed.")
    steps, retries = run(reviewer, bad, good)
    assert retries[0] is not None and retries[1] is None
    assert "'file_path' is a required property" in json.dumps(retries[0]["messages"][-1])
    events = flat(steps)
    assert sum(e["type"] == "message_start" for e in events) == 1
    assert text_of(events) == "Reading it.Fixed."
    starts = [e for e in events if e["type"] == "content_block_start"]
    assert [e["index"] for e in starts] == [0, 1, 2]
    assert starts[2]["content_block"]["name"] == "Read"
    tool_json = [e["delta"]["partial_json"] for e in events if e.get("index") == 2 and "delta" in e]
    assert json.loads("".join(tool_json)) == {"file_path": "a.py"}
    assert events[-2]["usage"]["output_tokens"] == 80  # both calls
    assert (reviewer.outcome.retries, reviewer.outcome.invalid) == (1, 0)


def test_forced_tool_choice_holds_text_and_drops_a_rejected_attempt() -> None:
    forced = prepare_forced_request(request(tool_choice={"type": "tool", "name": "Read"}))
    assert forced["tools"] == [READ]
    reviewer = StreamReviewer(forced, "m")
    steps, retries = run(
        reviewer, text_response("It is fine."), tool_response(("Read", {"file_path": "x"}))
    )
    assert retries[0] is not None
    events = flat(steps)
    assert text_of(events) == ""  # the rejected text answer was never shown
    assert [e["content_block"]["name"] for e in events if "content_block" in e] == ["Read"]


def test_thinking_streams_with_its_signature() -> None:
    answer = tool_response(("Bash", {"command": "ls"}))
    thinking = {"type": "thinking", "thinking": "Need files.", "signature": "sig123"}
    answer["content"].insert(0, thinking)
    steps, _ = run(StreamReviewer(request(), "m"), answer)
    events = flat(steps)
    deltas = [e["delta"] for e in events if e["type"] == "content_block_delta"]
    assert deltas[0] == {"type": "thinking_delta", "thinking": "Need files."}
    assert deltas[1] == {"type": "signature_delta", "signature": "sig123"}
    assert events[1]["index"] == 0 and events[-4]["index"] == 1  # the call follows


def test_stop_sequence_is_kept_and_fail_closes_the_open_block() -> None:
    answer = text_response("done", stop_reason="stop_sequence")
    answer["stop_sequence"] = "###"
    steps, _ = run(StreamReviewer(request(), "m"), answer)
    assert flat(steps)[-2]["delta"] == {"stop_reason": "stop_sequence", "stop_sequence": "###"}
    reviewer = StreamReviewer(request(), "m")
    out = [reviewer.feed(d) for d in upstream(text_response("partial answer"))[:4]]
    out.append(reviewer.fail("backend broke"))
    events = flat(out)
    assert events[-2] == {"type": "content_block_stop", "index": 0}
    assert events[-1]["type"] == "error"


def test_text_gate_holds_only_what_may_be_a_call() -> None:
    gate = TextGate({"Bash": BASH["input_schema"]})
    shown = [gate.feed(p) for p in ["Let me ", "check.", "\n<tool", "_call>{", '"name": "Bash"}']]
    assert shown == ["Let me ", "check.", "\n", "", ""]
    assert gate.finish() == '<tool_call>{"name": "Bash"}'
    gate = TextGate({"Bash": BASH["input_schema"]})
    shown = [gate.feed(p) for p in ["```json\n", '{"a": 1}\n', "```\nand <function=X> y"]]
    assert "".join(shown) == '```json\n{"a": 1}\n```\nand <function=X> y'  # decided: not calls
    gate = TextGate({})
    assert gate.feed("```python\nprint(1)") == "```python\nprint(1)"
    gate = TextGate({"Bash": BASH["input_schema"]})
    prose = "Models wrap calls in <tool_call>{}</tool_call> tags."
    assert gate.feed(prose) == prose  # closed without a call: released at once


def test_a_call_whose_streamed_input_is_not_json_is_retried_not_repaired() -> None:
    events = upstream(tool_response(("Bash", {"command": "ls"})))
    for event in events:
        if event.get("delta", {}).get("type") == "input_json_delta":
            event["delta"] = {"type": "input_json_delta", "partial_json": '{"command": "ls"'}
    reviewer = StreamReviewer(request(), "m")
    shown = [e for event in events for e in reviewer.feed(event)]
    assert not any(e.get("content_block", {}).get("type") == "tool_use" for e in shown)
    _, retry = reviewer.end(retry_allowed=True)
    assert retry is not None
    assert (reviewer.outcome.repairs, reviewer.outcome.retries) == (0, 1)
