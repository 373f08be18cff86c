"""The behaviour queue, and the stand-alone ``python -m fulcrum.fakes`` process."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest

from fulcrum.fakes import AnswerTool, Fail, Reply, Script
from fulcrum.fakes.__main__ import main
from fulcrum.fakes.script import tool_result_text
from fulcrum.fakes.template import fill, pieces


def test_queue_order_times_and_model_filter() -> None:
    script = Script(default=Reply("d"))
    script.push(Fail(500), times=2)
    script.push(Reply("haiku only", model="haiku"), Reply("next"))
    assert script.take({"model": "opus"}) == Fail(500)
    assert script.take({"model": "opus"}) == Fail(500)
    assert script.take({"model": "opus"}) == Reply("next")
    assert script.take({"model": "opus"}) == Reply("d")
    assert script.take({"model": "claude-haiku-4-5"}) == Reply("haiku only", model="haiku")
    assert len(script) == 0


def test_answer_waits_for_its_tool_result() -> None:
    script = Script()
    script.push_front(AnswerTool(call_id="t1", then="ok"))
    assert script.take({"messages": []}) == Reply()
    openai_style = {"messages": [{"role": "tool", "tool_call_id": "t1", "content": "r"}]}
    assert tool_result_text(openai_style, "t1") == "r"
    assert script.take(openai_style) == AnswerTool(call_id="t1", then="ok")
    blocks = [
        {"type": "tool_result", "tool_use_id": "t2", "content": [{"type": "text", "text": "x"}]}
    ]
    assert tool_result_text({"messages": [{"role": "user", "content": blocks}]}, "t2") == "x"
    assert tool_result_text({"messages": "junk"}, "t2") is None


def test_fill_replaces_number_and_string_holes() -> None:
    out = fill([b'{"id":"msg_@ID@","n":"@IN@"}', b"plain"], {"@ID@": "abc", "@IN@": "12"})
    assert out == [b'{"id":"msg_abc","n":12}', b"plain"]
    assert "".join(pieces("one two  three", 2)) == "one two  three"
    assert pieces("", 1) == [""]


def test_main_rejects_negative_delay(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openai", "--delay", "-1"]) == 2
    assert "--delay" in capsys.readouterr().err


def test_module_entry_point_serves_until_terminated() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fulcrum.fakes", "anthropic", "--port", "0", "--text", "bench"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.split()[-1]
        body = json.dumps(
            {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
        )
        request = urllib.request.Request(
            url + "/v1/messages", data=body.encode(), headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            reply = json.loads(response.read())
        assert reply["content"][0]["text"] == "bench"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        if proc.stdout is not None:
            proc.stdout.close()
