from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from fulcrum.errors import ConfigError
from fulcrum.evals import edits
from fulcrum.evals.scripted import ScriptedModel, load_outcomes, serve_in_thread
from fulcrum.evals.spec import Spec

from .conftest import EXAMPLES


def _post(url: str, body: dict[str, Any]) -> tuple[int, bytes]:
    req = urllib.request.Request(url + "/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_answers_with_solution_or_start(example_specs: list[Spec]) -> None:
    spec = example_specs[0]
    model = ScriptedModel(example_specs, {"good": {spec.id: True}, "bad": {}})
    ask = [{"role": "user", "content": f"## Task\n{spec.instruction}\n"}]
    with serve_in_thread(model) as url:
        status, raw = _post(url, {"model": "good", "messages": ask})
        _, raw_bad = _post(url, {"model": "bad", "messages": ask})
        missing, err = _post(url, {"model": "nobody", "messages": ask})
        invalid, _ = _post(url, {"messages": "nope"})
        stream_status, stream = _post(url, {"model": "good", "messages": ask, "stream": True})
    body = json.loads(raw)
    assert status == 200 and body["usage"]["completion_tokens"] > 0
    assert edits.parse(body["choices"][0]["message"]["content"]) == spec.solution_files()
    bad = json.loads(raw_bad)["choices"][0]["message"]["content"]
    assert edits.parse(bad) == spec.starting_files()
    assert missing == 404 and json.loads(err)["error"]["code"] == "model_not_found"
    assert invalid == 400
    chunks = [json.loads(line[6:]) for line in stream.decode().splitlines()
              if line.startswith("data: {")]  # fmt: skip
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert stream_status == 200 and edits.parse(text) == spec.solution_files()
    assert stream.decode().rstrip().endswith("data: [DONE]")
    assert model.calls[:2] == [("good", spec.id), ("bad", spec.id)]


def test_load_outcomes(tmp_path: Path) -> None:
    good = tmp_path / "o.json"
    good.write_text(json.dumps({"m": {"a": True, "b": False}}))
    assert load_outcomes(good) == {"m": {"a": True, "b": False}}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"m": {"a": "yes"}}))
    with pytest.raises(ConfigError) as info:
        load_outcomes(bad)
    assert info.value.field == "m"


def test_scripted_server_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """A supervisor's SIGTERM is a stop asked for: exit 0 (it was 143, the signal's code)."""
    outcomes = tmp_path / "o.json"
    outcomes.write_text(json.dumps({"m": {}}))
    cmd = [sys.executable, "-m", "fulcrum", "eval", "scripted", str(EXAMPLES), "--outcomes",
           str(outcomes), "--port", "0"]  # fmt: skip
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        assert "scripted model at" in proc.stdout.readline()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
