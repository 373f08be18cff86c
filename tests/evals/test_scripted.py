from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from fulcrum.errors import ConfigError
from fulcrum.evals import edits
from fulcrum.evals.scripted import ScriptedModel, load_outcomes, serve_in_thread
from fulcrum.evals.spec import Spec


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
